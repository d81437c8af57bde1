"""`culturebench steer train|sweep`: vectors from the steer split, then the layer search.

    culturebench steer train --model PATH --target trad_secular --method meandiff --output vec.pt
    culturebench steer sweep --vectors vec.pt --alphas 0,0.1,0.2,0.4 --output sweep/

Every argument is checked (and the vectors file, config and dataset ids read) before a model loads.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
from pathlib import Path

from culturebench.identity import file_digest
from culturebench.runs import read_json
from culturebench.stats import DEFAULT_SEED
from culturebench.steering.base import DEFAULT_ALPHAS as BASE_ALPHAS

DEFAULT_ALPHAS = ",".join(f"{a:g}" for a in BASE_ALPHAS)
CURVE_JSON, CURVE_CSV, CURVE_PNG, LM_EVAL_FILE = "layer_search.json", "layer_search.csv", "layer_search.png", "steer.pt"
STEPS_FILE = "steps.jsonl"
COST_JSON, COST_CSV, COST_PNG = "cost.json", "cost.csv", "cost.png"


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
    if search.min_shift > 0:
        left.axhline(search.min_shift, color="tab:red", lw=0.8, ls="--", label=f"threshold {search.min_shift:g}")
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


def _vectors_model(vectors, vectors_path: str, model: str | None) -> str:
    """The model to steer (--model, else the vectors' own), checked to have the config the vectors came from."""
    from transformers import AutoConfig

    from culturebench.steering.vectors import config_hash, hub_revision

    model_name = model or vectors.provenance.get("model")
    if not model_name:
        raise ValueError(f"{vectors_path} records no model; pass --model")
    _check_model(model_name)
    recorded = vectors.provenance.get("config_hash")
    found = config_hash(
        AutoConfig.from_pretrained(str(Path(model_name).expanduser()) if _looks_like_path(model_name) else model_name)
    )
    if recorded and found != recorded:
        raise ValueError(
            f"{model_name} is not the model the vectors were trained on (config hash {found}, vectors: {recorded})"
        )
    if not _looks_like_path(model_name) and model_name == vectors.provenance.get("model"):
        trained, now = vectors.provenance.get("revision", "unknown"), hub_revision(model_name)
        if "unknown" not in (trained, now) and trained != now:
            raise ValueError(f"{model_name}: the vectors were trained on commit {trained}, the Hub cache now holds "
                             f"{now}; train them again (the weights may have changed)")  # fmt: skip
    return model_name


def _model_version(model: str) -> dict | str:
    """A local model folder's file digests, or a Hub model's commit in the local cache."""
    from culturebench.identity import local_model_digest
    from culturebench.steering.vectors import hub_revision

    if _looks_like_path(model):
        return local_model_digest(Path(model).expanduser())
    return hub_revision(model)


def _sweep(args: argparse.Namespace) -> None:
    import pandas as pd

    from culturebench.benchmarks.wvs import steering as wvs
    from culturebench.benchmarks.wvs.steer_search import SweepSteps, layer_search
    from culturebench.files import write_atomic, write_json
    from culturebench.steering.hooks import write_lm_eval_steer_file
    from culturebench.steering.vectors import SteeringVectors

    alphas = parse_alphas(args.alphas)
    _positive("batch-size", args.batch_size)
    _positive("limit", args.limit)
    _positive("top-k", args.top_k)
    if not 0 <= args.min_shift < 1:
        raise ValueError(f"--min-shift is a change of p(positive) in [0, 1), got {args.min_shift}")
    if args.min_shift > 0 and max(alphas) <= 0:
        raise ValueError("--min-shift is read at the largest alpha: --alphas needs a positive alpha")
    output = Path(args.output)
    if output.exists() and not output.is_dir():
        raise NotADirectoryError(f"--output {output} is a file; give a folder")
    vectors = SteeringVectors.load(args.vectors)
    layers = parse_layers(args.layers, vectors.n_layers)
    prov = vectors.provenance
    model_name = _vectors_model(vectors, args.vectors, args.model)
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
    identity = {  # what decides a step's numbers; alphas and layers are per step
        "model": model_name,
        "model_version": _model_version(model_name),
        "vectors_digest": file_digest(Path(args.vectors)),
        "held_out_ids": [d["id"] for d in dilemmas],
        "dataset_hash": dataset["content_hash"],
        "prompts_digest": hashlib.sha256(
            json.dumps([(d["item_id"], d["order"], d["prompt"]) for d in docs]).encode()
        ).hexdigest(),
        "chat_template": args.apply_chat_template,
        "device": device,
        "dtype": str(_dtype(args.dtype, device)),
    }
    if args.overwrite:
        (output / STEPS_FILE).unlink(missing_ok=True)
    steps = SweepSteps(output / STEPS_FILE, identity)  # refuses another sweep's folder before the model loads
    if steps.done:
        print(f"resuming: {len(steps.done)} steps of {output / STEPS_FILE} already done")

    model, tokenizer = load_model(model_name, device, args.dtype)
    output.mkdir(parents=True, exist_ok=True)
    search = layer_search(
        model,
        tokenizer,
        vectors,
        docs,
        alphas=alphas,
        layers=layers,
        top_k=args.top_k,
        min_shift=args.min_shift,
        batch_size=args.batch_size,
        progress=True,
        steps=steps,
    )
    summary = {
        "vectors": str(Path(args.vectors).resolve()),
        "vectors_digest": file_digest(Path(args.vectors)),
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
        print(
            f"no layer moves p(positive) toward the positive pole by {args.min_shift:g} or more: "
            "no lm-eval steering file written"
        )
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


def _evaluate(args: argparse.Namespace) -> None:
    from culturebench.benchmarks.wvs import steer_eval, steer_persona, steer_tax
    from culturebench.evaluate import run_evaluation
    from culturebench.steering.base import alpha_name
    from culturebench.steering.hooks import skeleton
    from culturebench.steering.vectors import SteeringVectors

    alphas = steer_eval.with_zero(parse_alphas(args.alphas))
    output = Path(args.output)
    if output.exists() and not output.is_dir():
        raise NotADirectoryError(f"--output {output} is a file; give a folder")
    if not 0 < args.threshold < 1:
        raise ValueError(f"--threshold is a change of p(positive) in (0, 1), got {args.threshold}")
    if (args.tax_include_path or args.tax_limit is not None) and not args.tax_tasks:
        raise ValueError("--tax-include-path and --tax-limit are only read with --tax-tasks")
    if args.tax_limit is not None and not args.tax_limit > 0:
        raise ValueError(f"--tax-limit {args.tax_limit:g}: give a positive number of documents per task")
    vectors = SteeringVectors.load(args.vectors)
    layers = _chosen_layers(args, vectors.n_layers)
    model = _vectors_model(vectors, args.vectors, args.model)
    persona = (
        steer_persona.read_persona_run(Path(args.persona_run), model, args.apply_chat_template)
        if args.persona_run
        else None
    )
    tax_tasks, tax_local = (
        steer_tax.check_tax_tasks(args.tax_tasks, args.tax_include_path) if args.tax_tasks else ([], False)
    )
    manifest = steer_eval.steer_manifest(Path(args.vectors), model, layers, alphas, args.apply_chat_template)
    steer_eval.claim_folder(output, manifest, args.overwrite)
    tree = skeleton(str(Path(model).expanduser()) if _looks_like_path(model) else model)  # hookpoint names
    for alpha in alphas:
        path = steer_eval.steer_file(output, vectors, alpha, layers, tree)
        print(f"alpha = {alpha:g}: steering {layers} with {path}", flush=True)
        run_evaluation(
            "steered",
            f"pretrained={model},steer_path={path.resolve()}",
            output / alpha_name(alpha),
            tasks=",".join(steer_eval.NONE_TASKS),
            limit=args.limit,
            device=args.device,
            batch_size=args.batch_size,
            apply_chat_template=args.apply_chat_template,
            overwrite=args.overwrite,
        )
        if tax_tasks:
            print(f"alpha = {alpha:g}: tax tasks {', '.join(tax_tasks)}", flush=True)
            steer_tax.run_tax(
                output,
                model,
                path,
                alpha,
                tax_tasks,
                args.tax_include_path,
                tax_local,
                args.tax_limit if args.tax_limit is not None else args.limit,
                args.device,
                args.batch_size,
                args.apply_chat_template,
                args.overwrite,
            )
    summary = steer_eval.write_summary(output, vectors.target, args.threshold, persona=persona, tax_tasks=tax_tasks)
    print("\n".join(steer_eval.markdown(summary)))
    print(f"summary: {output / steer_eval.SUMMARY_MD}")


def _chosen_layers(args: argparse.Namespace, n_layers: int) -> list[int]:
    """--layers, else the top layers of the --sweep folder's layer search, which must be of these vectors."""
    if args.layers and args.sweep:
        raise ValueError("give --layers or --sweep, not both")
    if args.layers:
        return parse_layers(args.layers, n_layers)
    sweep = read_json(Path(args.sweep) / CURVE_JSON) if args.sweep else None
    layers = sweep.get("top_layers") if isinstance(sweep, dict) else None
    if not layers:
        raise ValueError("give --layers, or --sweep with a folder whose layer search picked top layers")
    digest = file_digest(Path(args.vectors))
    if sweep.get("vectors_digest", digest) != digest or sweep.get("vectors") != str(Path(args.vectors).resolve()):
        raise ValueError(f"--sweep {args.sweep} searched the layers of {sweep.get('vectors')}, not of {args.vectors}")
    return parse_layers(",".join(map(str, layers)), n_layers)


def _cost(args: argparse.Namespace) -> None:
    import pandas as pd
    from matplotlib.figure import Figure

    from culturebench.files import save_figure, write_atomic, write_json
    from culturebench.steering.cost import steering_cost
    from culturebench.steering.vectors import SteeringVectors

    alphas = sorted({0.0, *parse_alphas(args.alphas)})
    _positive("max-new-tokens", args.max_new_tokens)
    output = Path(args.output)
    if output.exists() and not output.is_dir():
        raise NotADirectoryError(f"--output {output} is a file; give a folder")
    vectors = SteeringVectors.load(args.vectors)
    layers = _chosen_layers(args, vectors.n_layers)
    model_name = _vectors_model(vectors, args.vectors, args.model)
    device = _device(args.device)
    model, tokenizer = load_model(model_name, device, args.dtype)
    rows = steering_cost(model, tokenizer, vectors.by_layer(layers), alphas, args.max_new_tokens, args.seed, True)
    output.mkdir(parents=True, exist_ok=True)
    table = pd.DataFrame(rows)
    write_atomic(output / COST_CSV, lambda tmp: table.to_csv(tmp, index=False))
    summary = {"vectors": str(Path(args.vectors).resolve()), "model": model_name, "layers": layers,
               "max_new_tokens": args.max_new_tokens, "seed": args.seed, "rows": rows}  # fmt: skip
    write_json(output / COST_JSON, summary)
    fig = Figure(figsize=(12, 3.6), layout="constrained")
    for ax, (column, label) in zip(fig.subplots(1, 3), (
        ("neutral_loglik_change", "change of neutral log-likelihood per token"),
        ("capability_accuracy", "control-set accuracy"),
        ("perplexity_reference", "perplexity of steered text (unsteered reader)"),
    )):  # fmt: skip
        ax.plot(table["alpha"], table[column], marker="o")
        ax.set(xlabel="alpha", title=label)
    fig.suptitle(f"Cost of steering {vectors.target} at layers {layers} on {Path(model_name).name}", fontsize=10)
    save_figure(fig, output / COST_PNG)
    print(table.to_string(index=False))
    print(f"cost of steering: {output / COST_JSON}, {output / COST_CSV}, {output / COST_PNG}")


def _steered_arguments(parser: argparse.ArgumentParser, output_help: str) -> None:
    """The vectors, layers, alphas, output and model of a command that steers at chosen layers."""
    parser.add_argument("--vectors", required=True, help="file written by `culturebench steer train`")
    parser.add_argument("--layers", default=None, help="layers to steer, e.g. 8,9,11; default: --sweep's top layers")
    parser.add_argument("--sweep", default=None, help="a `steer sweep` output folder whose top layers to steer")
    parser.add_argument("--alphas", default=DEFAULT_ALPHAS, help=f"comma-separated alphas; default {DEFAULT_ALPHAS}")
    parser.add_argument("--output", required=True, help=output_help)
    parser.add_argument("--model", default=None, help="model folder or id; default: the one the vectors record")


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
        f"Writes OUTPUT/{CURVE_JSON}, {CURVE_CSV} and {CURVE_PNG}. Each finished step is kept in "
        f"OUTPUT/{STEPS_FILE}, so the same command resumes a killed sweep (and a rerun with more layers or "
        "alphas reuses the steps done); a folder holds one sweep (model and its files or commit, vectors, "
        "dilemmas and their text, template, device, dtype).",
    )
    sw.add_argument("--vectors", required=True, help="file written by `culturebench steer train`")
    sw.add_argument("--alphas", default=DEFAULT_ALPHAS, help=f"comma-separated alphas; default {DEFAULT_ALPHAS}")
    sw.add_argument("--output", required=True, help="folder for the curve, table and plot")
    sw.add_argument("--model", default=None, help="model folder or id; default: the one the vectors record")
    sw.add_argument("--layers", default=None, help="layers to try, e.g. 4-20 or 8,9,12; default all")
    sw.add_argument("--top-k", type=int, default=DEFAULT_TOP_K, help=f"layers to pick; default {DEFAULT_TOP_K}")
    sw.add_argument(
        "--min-shift",
        type=float,
        default=0.0,
        help="threshold: pick only layers whose p(positive) rises by at least this much at the largest alpha "
        "(seed 002's 'threshold'); default 0, any rise",
    )
    sw.add_argument("--limit", type=int, default=None, help="use at most this many held-out dilemmas")
    sw.add_argument("--apply-chat-template", action="store_true", help="wrap prompts in the model's chat template")
    sw.add_argument("--overwrite", action="store_true", help=f"forget the steps done in OUTPUT/{STEPS_FILE} first")
    sw.add_argument(
        "--lm-eval-alpha",
        type=float,
        default=None,
        help=f"also write OUTPUT/{LM_EVAL_FILE} for lm-eval's --model steered: top layers at this alpha",
    )
    _common(sw, 16)
    sw.set_defaults(func=_sweep)

    from culturebench.benchmarks.wvs.steer_eval import DEFAULT_THRESHOLD, MANIFEST, SUMMARY_MD
    from culturebench.benchmarks.wvs.steer_tax import TAX_DIR
    from culturebench.steering.cost import MAX_NEW_TOKENS

    ev = steps.add_parser(
        "evaluate",
        help="run the WVS eval dilemmas steered at each alpha through lm-eval, and compare them",
        description="For each alpha (0 is always added), write lm-eval's steering file and run the no-persona "
        "eval dilemmas with `--model steered` as an ordinary CultureBench run in OUTPUT/alpha_<a>/; then compare "
        f"every alpha with alpha = 0: map positions, paired shifts, entanglement, items moved ({SUMMARY_MD}, "
        f"steering.png). OUTPUT/{MANIFEST} ties the folder to one model, vectors file and layer set; the same "
        "command resumes. --persona-run adds the comparison with persona prompts, --tax-tasks any lm-eval tasks "
        "run steered at every alpha; the summary covers the options of the command that writes it.",
    )
    _steered_arguments(ev, "folder for one run per alpha and the comparison")
    ev.add_argument(
        "--threshold",
        type=float,
        default=DEFAULT_THRESHOLD,
        help=f"change of an item's p(positive) that counts as moved; default {DEFAULT_THRESHOLD}",
    )
    ev.add_argument("--limit", type=float, default=None, help="documents per task (for a quick look)")
    ev.add_argument(
        "--persona-run",
        default=None,
        metavar="RUN_DIR",
        help="a `culturebench evaluate` run of the same model with the WVS persona tasks: compare each persona's "
        "shift (and its entanglement) with steering's, and name the smallest alpha that reaches it",
    )
    ev.add_argument(
        "--tax-tasks",
        default=None,
        metavar="TASKS",
        help=f"comma-separated lm-eval tasks (e.g. mmlu,hellaswag) also run at every alpha with the same steering, "
        f"in OUTPUT/{TAX_DIR}/alpha_<a>/; their main metric is reported against alpha",
    )
    ev.add_argument(
        "--tax-include-path",
        default=None,
        metavar="DIR",
        help="a folder of lm-eval task YAMLs that --tax-tasks names (lm-eval's --include_path)",
    )
    ev.add_argument(
        "--tax-limit", type=float, default=None, help="documents per tax task; default: --limit (all when unset)"
    )
    ev.add_argument("--device", default=None, help="lm-eval device, e.g. cpu or cuda:0")
    ev.add_argument("--batch-size", default="auto", help="lm-eval batch size; default auto")
    ev.add_argument("--apply-chat-template", action="store_true", help="wrap prompts in the model's chat template")
    ev.add_argument("--overwrite", action="store_true", help="delete the runs in --output first")
    ev.set_defaults(func=_evaluate)

    co = steps.add_parser(
        "cost",
        help="what steering costs: neutral-text likelihood, a capability control set, fluency of generations",
        description="For each alpha (0 is always added): the mean log-likelihood per token of a shipped neutral "
        "text, the accuracy on a shipped set of 40 easy multiple-choice questions, and the perplexity of "
        "continuations generated under steering (128 tokens at temperature 0.7, as seed 002), read by the "
        f"steered and by the unsteered model. Writes OUTPUT/{COST_JSON}, {COST_CSV} and {COST_PNG}.",
    )
    _steered_arguments(co, "folder for the cost table and plot")
    co.add_argument(
        "--max-new-tokens",
        type=int,
        default=MAX_NEW_TOKENS,
        help=f"tokens generated per prompt; default {MAX_NEW_TOKENS}",
    )
    co.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"sampling seed; default {DEFAULT_SEED}")
    _common(co, 16)
    co.set_defaults(func=_cost)
    return st
