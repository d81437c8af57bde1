"""Throughput of `culturebench evaluate` against a bare forward pass over the same prompts.

    python benchmarks/bench_evaluate.py                        # tiny random model built on the spot, CPU
    python benchmarks/bench_evaluate.py --model /path/to/model --device cuda --limit 2000 --batch-size 32

Prints prompts per second of the whole `culturebench evaluate` call (lm-eval start-up, scoring and
report), of lm-eval's own evaluation time, and of a bare batched forward pass over the same prompts,
and their ratio. A ratio near 1 means one forward pass per prompt and little overhead.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

TASK = "culturebench_hofstede_idv"


def bare_forward(model_path: str, prompts: list[str], device: str, batch_size: int) -> float:
    """Seconds for one padded forward pass per batch of prompts, no lm-eval."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model_path)
    tok.padding_side = "left"
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    dtype = torch.bfloat16 if device.startswith("cuda") else torch.float32
    model = AutoModelForCausalLM.from_pretrained(model_path, dtype=dtype).to(device).eval()
    batches = [prompts[i : i + batch_size] for i in range(0, len(prompts), batch_size)]
    with torch.inference_mode():
        model(**tok(batches[0], return_tensors="pt", padding=True).to(device))  # warm-up
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        start = time.perf_counter()
        for batch in batches:
            model(**tok(batch, return_tensors="pt", padding=True).to(device))
        if device.startswith("cuda"):
            torch.cuda.synchronize()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="model folder or id; default: a tiny random Llama built here")
    parser.add_argument("--limit", type=int, default=400, help="prompts (documents) to score; default 400")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--batch-size", type=int, default=16)
    args = parser.parse_args()

    from culturebench.evaluate import run_evaluation
    from culturebench.runs import latest_results_file, latest_sample_files
    from culturebench.tiny_model import build_tiny_model

    work = Path(tempfile.mkdtemp(prefix="culturebench-bench-"))
    model = args.model or str(build_tiny_model(work / "tiny-model"))
    start = time.perf_counter()
    run_evaluation(
        "hf",
        f"pretrained={model}",
        work / "run",
        tasks=TASK,
        limit=args.limit,
        device=args.device,
        batch_size=str(args.batch_size),
    )
    total = time.perf_counter() - start
    lm_eval_time = float(json.loads(latest_results_file(work / "run").read_text())["total_evaluation_time_seconds"])
    samples = [json.loads(line) for line in latest_sample_files(work / "run")[TASK].open()]
    prompts = [s["arguments"]["gen_args_0"]["arg_0"] for s in samples]
    bare = bare_forward(model, prompts, args.device, args.batch_size)
    n = len(prompts)
    print(f"\nmodel: {model}\ndevice: {args.device}, batch size {args.batch_size}, prompts: {n}")
    print(f"culturebench evaluate (whole call):  {n / total:8.1f} prompts/s  ({total:.1f} s)")
    print(f"lm-eval evaluation time:             {n / lm_eval_time:8.1f} prompts/s  ({lm_eval_time:.1f} s)")
    print(f"bare forward pass, same prompts:     {n / bare:8.1f} prompts/s  ({bare:.1f} s)")
    print(f"ratio evaluate / bare (lm-eval time): {bare / lm_eval_time:.2f}")


if __name__ == "__main__":
    main()
