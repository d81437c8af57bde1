"""Derives hf_datasets/wvs_reference/data from the published WVS/IVS country aggregates.

    python generation/wvs/derive_reference.py PATH/TO/reference/wvs

Inputs (country-level facts, no microdata): the official 2023 Inglehart-Welzel map file
(F00016619, all country-years; WVS/EVS), its latest-year extract with cultural zones, and Wave 7
country means of the ten map items with pole shares. Outputs the project's own files, keyed by ISO
alpha-2: map_2023.csv (latest position of each society, with its zone) and wvs7_items.csv. Needs
pycountry (build time only) to turn ISO numeric codes into alpha-2.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from culturebench.resources import dataset_dir

ITEMS = ["F063", "Y003", "F120", "G006", "E018", "Y002", "A008", "F118", "E025", "A165"]
SHARES = {
    "F063": "p_F063_god_not_very_important_le5",
    "F120": "p_F120_abortion_justifiable_ge6",
    "G006": "p_G006_not_very_proud",
    "E018": "p_E018_authority_not_good",
    "Y002": "p_Y002_postmat_first",
    "A008": "p_A008_very_happy",
    "F118": "p_F118_homosex_justifiable_ge6",
    "E025": "p_E025_signed_petition",
    "A165": "p_A165_most_trusted",
}


def main(reference: Path) -> None:
    import pycountry

    out = dataset_dir("wvs_reference") / "data"
    years = pd.read_csv(reference / "derived" / "iw_map_2023_country_year_parsed.csv")
    zones = pd.read_csv(reference / "ethosgpt" / "indices.csv")
    years = years.dropna(subset=["TradAgg", "SurvSAgg"])  # two rows carry Welzel indices only
    latest = years.sort_values("year").groupby("iso_num").tail(1)
    latest = latest.merge(zones[["Year", "Cultural_Region"]], left_on="S025", right_on="Year", how="left")
    if latest["Cultural_Region"].isna().any():
        raise ValueError(f"no zone for {latest[latest['Cultural_Region'].isna()]['name'].tolist()}")

    # Two WVS societies have no ISO 3166-1 entry: Kosovo (user-assigned XK) and Northern Ireland.
    extra = {915: "XK", 909: "GB-NIR"}

    def alpha2(num: int) -> str:
        if int(num) in extra:
            return extra[int(num)]
        return pycountry.countries.get(numeric=f"{int(num):03d}").alpha_2

    map_rows = pd.DataFrame({
        "alpha2": [alpha2(n) for n in latest["iso_num"]],
        "iso_num": latest["iso_num"].astype(int),
        "society": latest["name"],
        "year": latest["year"].astype(int),
        "trad_secular": latest["TradAgg"],
        "surv_selfexp": latest["SurvSAgg"],
        "zone": latest["Cultural_Region"],
    }).sort_values("society")  # fmt: skip
    map_rows.to_csv(out / "map_2023.csv", index=False)

    w7 = pd.read_csv(reference / "derived" / "wvs7_iw_items_by_country.csv")
    items = w7[["iso2", "society", "wvs7_year", *ITEMS]].rename(columns={"iso2": "alpha2"})
    for code, col in SHARES.items():
        items[f"share_{code}"] = w7[col]
    items["map_year"] = w7["map_year"]
    items["trad_secular"] = w7["TradAgg"]
    items["surv_selfexp"] = w7["SurvSAgg"]
    items.round(4).to_csv(out / "wvs7_items.csv", index=False)
    print(f"{len(map_rows)} map societies, {len(items)} WVS7 societies -> {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
