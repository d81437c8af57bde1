"""`culturebench steer train|sweep`: vectors from the steer split, then the layer search.

    culturebench steer train --model PATH --target trad_secular --method meandiff --output vec.pt
    culturebench steer sweep --vectors vec.pt --alphas 0,0.1,0.2,0.4 --output sweep/

Every argument is checked (and the vectors file, config and dataset ids read) before a model loads.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from culturebench.stats import DEFAULT_SEED
from culturebench.steering.base import DEFAULT_ALPHAS as BASE_ALPHAS

DEFAULT_ALPHAS = ",".join(f"{a:g}" for a in BASE_ALPHAS)
CURVE_JSON, CURVE_CSV, CURVE_PNG, LM_EVAL_FILE = "layer_search.json", "layer_search.csv", "layer_search.png", "steer.pt"


def parse_alphas(text: str) -> list[float]:
    try:
        values = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise ValueError(f"--alphas takes comma-separated numbers, got {text!r}") from None
    if not values or not all(math.isfinite(v) for v in values):
        raise ValueError(f"--alphas takes finite numbers, got {text!r}")
    if not any(v != 0 for v in values):
        raise ValueError("--alphas needs at least one alpha besides 0")
    return values


def parse_layers(text: str | None, n_layers: int) -> list[int] | None:
    """'8-12', '3,5,7' or a mix; None = every layer."""
    if not text:
        return None
    layers: set[int] = set()
    try:
        for part in text.split(","):
            low, sep, high = part.strip().partition("-")
            layers.update(range(int(low), int(high) + 1) if sep else [int(low)])
    except ValueError:
        raise ValueError(f"--layers takes numbers and ranges like 8-12,15, got {text!r}") from None
    bad = sorted(i for i in layers if not 0 <= i < n_layers)
    if bad:
        raise ValueError(f"--layers {bad} out of range: the vectors have layers 0..{n_layers - 1}")
    return sorted(layers)


def _looks_like_path(model: str) -> bool:
    return model.startswith((".", "/", "~")) or Path(model).expanduser().exists()


def _check_model(model: str) -> None:
    if _looks_like_path(model) and not (Path(model).expanduser() / "config.json").is_file():
        raise FileNotFoundError(f"--model {model}: no model folder with a config.json there")


def _device(name: str | None) -> str:
    import torch

    if name in (None, "auto"):
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise RuntimeError(f"--device {name}: no CUDA device here")
    return name


def _dtype(name: str, device: str):
    import torch

    if name == "auto":
        return torch.bfloat16 if device.startswith("cuda") else torch.float32
    return {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}[name]


def load_model(model: str, device: str, dtype: str = "auto"):
    """(model, tokenizer) in eval mode on `device`."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = str(Path(model).expanduser()) if _looks_like_path(model) else model
    tokenizer = AutoTokenizer.from_pretrained(path)
    loaded = AutoModelForCausalLM.from_pretrained(path, dtype=_dtype(dtype, device)).to(device).eval()
    return loaded, tokenizer


def _positive(name: str, value: float | int | None) -> None:
    if value is not None and value < 1:
        raise ValueError(f"--{name} must be at least 1, got {value}")


def _train(args: argparse.Namespace) -> None:
    from culturebench.benchmarks.wvs import steering as wvs
    from culturebench.steering.vectors import train_vectors

    output = Path(args.output)
    if output.is_dir():
        raise IsADirectoryError(f"--output {output} is a folder; give a file name such as vectors.pt")
    if output.exists() and not args.overwrite:
        raise FileExistsError(f"--output {output} exists; pass --overwrite to replace it")
    if not 0 <= args.held_out_fraction < 1:
        raise ValueError(f"--held-out-fraction must be in [0, 1), got {args.held_out_fraction}")
    _positive("batch-size", args.batch_size)
    _positive("limit", args.limit)
    _check_model(args.model)
    device = _device(args.device)
    rows = wvs.steer_dilemmas(args.target, "all")
    train, held_out = wvs.split_steer(rows, args.held_out_fraction, args.seed)
    train = wvs.take_balanced(train, args.limit)
    pairs = wvs.contrast_pairs(train, style=args.style)
    dataset = wvs.dataset_provenance()

    model, tokenizer = load_model(args.model, device, args.dtype)
    extra = {
        "style": args.style,
        "split": {
            "held_out_fraction": args.held_out_fraction,
            "seed": args.seed,
            "held_out_ids": [d["id"] for d in held_out],
        },
        "axis": wvs.target_axis(args.target),
        "items": list(wvs.target_items(args.target)),
    }
    vectors = train_vectors(
        model,
        tokenizer,
        pairs,
        args.method,
        args.target,
        dataset,
        model_path=args.model,
        extra=extra,
        batch_size=args.batch_size,
        progress=True,
    )
    vectors.save(output)
    print(
        f"vectors: {output}  ({vectors.n_layers} layers, {len(pairs)} pairs from {len(train)} steer dilemmas, "
        f"{len(held_out)} held out for the sweep)"
    )


def _plot(search, title: str, path: Path) -> None:
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    from culturebench.files import save_figure

    fig = Figure(figsize=(11, 4), layout="constrained")
    left, right = fig.subplots(1, 2)
    for alpha, g in search.curve[search.curve["alpha"] != 0].groupby("alpha"):
        left.plot(g["layer"], g["shift"], marker="o", ms=3, label=f"alpha = {alpha:g}")
    left.axhline(0, color="grey", lw=0.8)
    left.set(xlabel="layer steered", ylabel="shift of p(positive) from alpha = 0", title="Steering differential")
    left.legend(fontsize=8)
    slopes = search.slopes.sort_values("layer")
    colors = ["tab:red" if layer in search.top_layers else "tab:blue" for layer in slopes["layer"]]
    errors = [(slopes["slope"] - slopes["slope_ci_low"]).clip(lower=0),
              (slopes["slope_ci_high"] - slopes["slope"]).clip(lower=0)]  # fmt: skip
    right.bar(slopes["layer"], slopes["slope"], color=colors, yerr=errors, error_kw={"lw": 0.8})
    right.axhline(0, color="grey", lw=0.8)
    right.set(
        xlabel="layer steered",
        ylabel="d p(positive) / d alpha",
        title=f"Effect per unit alpha, 95% CI (red: top {len(search.top_layers)})",
    )
    for ax in (left, right):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.suptitle(title, fontsize=10)
    save_figure(fig, path)


def _sweep(args: argparse.Namespace) -> None:
    import pandas as pd
    from transformers import AutoConfig

    from culturebench.benchmarks.wvs import steering as wvs
    from culturebench.benchmarks.wvs.steer_search import layer_search
    from culturebench.files import write_atomic, write_json
    from culturebench.steering.hooks import write_lm_eval_steer_file
    from culturebench.steering.vectors import SteeringVectors, config_hash

    alphas = parse_alphas(args.alphas)
    _positive("batch-size", args.batch_size)
    _positive("limit", args.limit)
    _positive("top-k", args.top_k)
    output = Path(args.output)
    if output.exists() and not output.is_dir():
        raise NotADirectoryError(f"--output {output} is a file; give a folder")
    vectors = SteeringVectors.load(args.vectors)
    layers = parse_layers(args.layers, vectors.n_layers)
    prov = vectors.provenance
    model_name = args.model or prov.get("model")
    if not model_name:
        raise ValueError(f"{args.vectors} records no model; pass --model")
    _check_model(model_name)
    recorded = prov.get("config_hash")
    found = config_hash(
        AutoConfig.from_pretrained(str(Path(model_name).expanduser()) if _looks_like_path(model_name) else model_name)
    )
    if recorded and found != recorded:
        raise ValueError(
            f"{model_name} is not the model the vectors were trained on (config hash {found}, vectors: {recorded})"
        )
    held_ids = prov.get("split", {}).get("held_out_ids") or []
    if not held_ids:
        raise ValueError(f"{args.vectors} records no held-out dilemmas (trained with --held-out-fraction 0?)")
    dilemmas = wvs.steer_dilemmas_by_id(held_ids)
    dilemmas = wvs.take_balanced(dilemmas, args.limit)
    dataset = wvs.dataset_provenance()
    if prov.get("dataset", {}).get("content_hash") not in (None, dataset["content_hash"]):
        print(f"warning: the dilemma bank changed since the vectors were trained ({dataset['content_hash']})")
    docs = wvs.search_documents(dilemmas, chat_template=args.apply_chat_template)
    device = _device(args.device)

    model, tokenizer = load_model(model_name, device, args.dtype)
    search = layer_search(
        model,
        tokenizer,
        vectors,
        docs,
        alphas=alphas,
        layers=layers,
        top_k=args.top_k,
        batch_size=args.batch_size,
        progress=True,
    )
    output.mkdir(parents=True, exist_ok=True)
    summary = {
        "vectors": str(Path(args.vectors).resolve()),
        "model": model_name,
        "target": vectors.target,
        "method": vectors.method,
        "chat_template": args.apply_chat_template,
        "device": device,
        "n_dilemmas": len(dilemmas),
        "held_out_ids": [d["id"] for d in dilemmas],
        "dataset": dataset,
        **search.to_dict(),
    }
    if args.lm_eval_alpha is not None and not search.top_layers:
        print("no layer moves p(positive) toward the positive pole: no lm-eval steering file written")
    elif args.lm_eval_alpha is not None:
        path = write_lm_eval_steer_file(output / LM_EVAL_FILE, vectors, args.lm_eval_alpha, search.top_layers, model)
        summary["lm_eval_steer_file"] = {"path": str(path), "alpha": args.lm_eval_alpha, "layers": search.top_layers}
    write_json(output / CURVE_JSON, summary)
    curve: pd.DataFrame = search.curve.merge(search.slopes, on="layer")
    write_atomic(output / CURVE_CSV, lambda tmp: curve.to_csv(tmp, index=False))
    title = f"{vectors.target} ({vectors.method}) on {Path(model_name).name}: {len(dilemmas)} held-out steer dilemmas"
    _plot(search, title, output / CURVE_PNG)
    print(f"top layers: {search.top_layers}  (baseline p(positive) {search.baseline:.3f})")
    print(f"layer search: {output / CURVE_JSON}, {output / CURVE_CSV}, {output / CURVE_PNG}")


def _common(parser: argparse.ArgumentParser, batch_size: int) -> None:
    parser.add_argument("--device", default="auto", help="cpu, cuda, cuda:1 ...; default: cuda when there is one")
    parser.add_argument(
        "--dtype",
        default="auto",
        choices=("auto", "float32", "bfloat16", "float16"),
        help="model dtype; default bfloat16 on CUDA, float32 on CPU",
    )
    parser.add_argument(
        "--batch-size", type=int, default=batch_size, help=f"texts per forward pass; default {batch_size}"
    )


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add `steer train|sweep` to the `culturebench` subcommands."""
    from culturebench.benchmarks.wvs.steering import DEFAULT_HELD_OUT, STYLES, TARGETS
    from culturebench.steering.base import DEFAULT_TOP_K, METHODS

    st = subparsers.add_parser(
        "steer",
        help="steering vectors along the cultural map: train them, find the layers where they act",
        description="Activation steering on the WVS dilemmas (seed 002): `train` derives one vector per layer "
        "from contrast pairs of the steer split; `sweep` steers one layer at a time on held-out steer dilemmas "
        "and picks the layers that move p(positive) most. The eval split is never used.",
    )
    steps = st.add_subparsers(dest="steer_command", required=True, metavar="STEP")

    tr = steps.add_parser(
        "train",
        help="derive steering vectors for a map item or axis from the steer split",
        description="Run the model on contrast pairs (a steer dilemma ending on its positive vs its negative option) "
        "and save one vector per decoder layer with its provenance. A seeded part of the steer split is held out "
        "for `sweep`.",
    )
    tr.add_argument("--model", required=True, help="model folder or Hub id")
    tr.add_argument("--output", required=True, help="vectors file to write, e.g. vectors.pt")
    tr.add_argument(
        "--target",
        required=True,
        choices=TARGETS,
        metavar="ITEM|AXIS",
        help=f"a map item or axis: {', '.join(TARGETS)}",
    )
    tr.add_argument(
        "--method",
        default="meandiff",
        choices=METHODS,
        help="meandiff (the seed's) or pca (first principal component); default meandiff",
    )
    tr.add_argument(
        "--style",
        default="continuation",
        choices=STYLES,
        help="contrast texts: continuation (scenario, question, option; the seed's) or answer "
        "(scored prompt answered with each letter); default continuation",
    )
    tr.add_argument(
        "--held-out-fraction",
        type=float,
        default=DEFAULT_HELD_OUT,
        help=f"share of each item's steer dilemmas kept for the sweep; default {DEFAULT_HELD_OUT}",
    )
    tr.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"seed of the held-out split; default {DEFAULT_SEED}"
    )
    tr.add_argument("--limit", type=int, default=None, help="use at most this many training dilemmas (a quick look)")
    tr.add_argument("--overwrite", action="store_true", help="replace an existing --output file")
    _common(tr, 8)
    tr.set_defaults(func=_train)

    sw = steps.add_parser(
        "sweep",
        help="steer one layer at a time on held-out steer dilemmas and pick the layers that act",
        description="For each layer and alpha, add alpha * vector at that layer and read p(positive) on the "
        "held-out steer dilemmas (both option orders, A/B letter probabilities as the benchmark reads them). "
        f"Writes OUTPUT/{CURVE_JSON}, {CURVE_CSV} and {CURVE_PNG}.",
    )
    sw.add_argument("--vectors", required=True, help="file written by `culturebench steer train`")
    sw.add_argument("--alphas", default=DEFAULT_ALPHAS, help=f"comma-separated alphas; default {DEFAULT_ALPHAS}")
    sw.add_argument("--output", required=True, help="folder for the curve, table and plot")
    sw.add_argument("--model", default=None, help="model folder or id; default: the one the vectors record")
    sw.add_argument("--layers", default=None, help="layers to try, e.g. 4-20 or 8,9,12; default all")
    sw.add_argument("--top-k", type=int, default=DEFAULT_TOP_K, help=f"layers to pick; default {DEFAULT_TOP_K}")
    sw.add_argument("--limit", type=int, default=None, help="use at most this many held-out dilemmas")
    sw.add_argument("--apply-chat-template", action="store_true", help="wrap prompts in the model's chat template")
    sw.add_argument(
        "--lm-eval-alpha",
        type=float,
        default=None,
        help=f"also write OUTPUT/{LM_EVAL_FILE} for lm-eval's --model steered: top layers at this alpha",
    )
    _common(sw, 16)
    sw.set_defaults(func=_sweep)
    return st
