"""Fixed cost of the whole CultureBench suite: everything `culturebench evaluate` spends beyond the model.

    python benchmarks/bench_fixed_cost.py                          # default suite, tiny random model, CPU
    python benchmarks/bench_fixed_cost.py --limit 20 --json fixed.json --profile evaluate.prof
    python benchmarks/bench_fixed_cost.py --tasks culturebench_hofstede --skip-cli

Measures, each part in a fresh Python process so that caches do not leak from one part to the next:

1. the task dictionary of the suite (lm-eval's TaskManager index, then TaskManager.load, which builds every
   document of every task whatever --limit says), with include_defaults=True (what `lm_eval run` does) and
   include_defaults=False; it counts tasks, groups and documents;
2. `culturebench evaluate` in-process: the same lm-eval arguments as `culturebench evaluate` (parsed by lm-eval's
   own CLI parser from culturebench.evaluate.lm_eval_command), run through lm_eval.simple_evaluate with timers
   around each phase, then culturebench's report; then a bare batched forward pass over the very same prompts
   (lm-eval's request contexts) with the same model and batch size;
3. `culturebench evaluate` end to end as a user runs it (`python -m culturebench evaluate ...`, wall time).

Fixed cost = evaluate time - bare forward time, shown per task and per scored document. Every run gets
OMP_NUM_THREADS=--threads (default 1: on a 2-vCPU VM two torch threads make the forward pass slower and erratic).
The whole script takes about 3-4 minutes on 2 CPU cores with the defaults.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import functools
import inspect
import io
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

DEFAULT_LIMIT = 40
DEFAULT_BATCH_SIZE = 16

# ---------------------------------------------------------------------------------------------------------------
# What the package exposes (the restructured code may expose it differently)


def default_tasks() -> str:
    """The default suite: culturebench.evaluate.DEFAULT_TASKS, else culturebench.benchmarks.default_tasks()."""
    with contextlib.suppress(ImportError, AttributeError):
        from culturebench.evaluate import DEFAULT_TASKS

        return DEFAULT_TASKS if isinstance(DEFAULT_TASKS, str) else ",".join(DEFAULT_TASKS)
    with contextlib.suppress(ImportError, AttributeError):
        from culturebench.benchmarks import default_tasks as package_default_tasks

        tasks = package_default_tasks()
        return tasks if isinstance(tasks, str) else ",".join(tasks)
    raise SystemExit("cannot find the default suite in the culturebench package; pass --tasks")


def include_path() -> str:
    """The folder `culturebench evaluate` passes to lm-eval as --include_path."""
    with contextlib.suppress(ImportError, AttributeError):
        from culturebench.resources import tasks_dir

        return str(tasks_dir())
    import culturebench

    here = Path(culturebench.__file__).resolve().parent
    for candidate in (here / "lm_eval_tasks" / "culturebench", here.parent / "lm_eval_tasks" / "culturebench"):
        if candidate.is_dir():
            return str(candidate)
    raise SystemExit("cannot find the packaged lm-eval task folder; pass --include-path")


def lm_eval_cli_command(spec: dict[str, Any], output: Path) -> list[str]:
    """The lm-eval command line `culturebench evaluate` would run for these arguments."""
    with contextlib.suppress(ImportError, AttributeError):
        from culturebench.evaluate import lm_eval_command

        return lm_eval_command(
            "hf", spec["model_args"], spec["tasks"], output, spec["limit"], spec["device"], str(spec["batch_size"])
        )
    lm_eval_dir = output / "lm_eval"
    return [sys.executable, "-m", "lm_eval", "run", "--model", "hf", "--model_args", spec["model_args"],
            "--tasks", spec["tasks"], "--include_path", spec["include_path"], "--output_path", str(lm_eval_dir),
            "--log_samples", "--use_cache", str(lm_eval_dir / "cache" / "requests"), "--batch_size",
            str(spec["batch_size"]), "--device", spec["device"], "--limit", str(spec["limit"])]  # fmt: skip


# ---------------------------------------------------------------------------------------------------------------
# Timers


class Timers:
    """Named wall-clock accumulators, and monkeypatches that feed them."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._undo: list[tuple[Any, str, Any]] = []

    def add(self, name: str, seconds: float) -> None:
        """Count one call of `name` that took `seconds`."""
        self.seconds[name] += seconds
        self.calls[name] += 1

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Time the body of a with-block under `name`."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.add(name, time.perf_counter() - start)

    def wrap(self, fn: Callable, name: str | Callable[..., str]) -> Callable:
        """fn timed under `name` (or under name(*args) for a per-call key)."""

        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.add(name(*args) if callable(name) else name, time.perf_counter() - start)

        return timed

    def replace(self, owner: Any, attr: str, new: Any) -> Any:
        """Set owner.attr to `new` until restore(); returns what was there (as stored, e.g. a classmethod)."""
        original = inspect.getattr_static(owner, attr)
        own = attr in vars(owner)
        self._undo.append((owner, attr, original if own else _INHERITED))
        setattr(owner, attr, new)
        return original

    def patch(self, owner: Any, attr: str, name: str | Callable[..., str]) -> bool:
        """Replace owner.attr by a timed version; False if it does not exist."""
        try:
            original = inspect.getattr_static(owner, attr)
        except AttributeError:
            return False
        if isinstance(original, (staticmethod, classmethod)):
            self.replace(owner, attr, type(original)(self.wrap(original.__func__, name)))
        else:
            self.replace(owner, attr, self.wrap(original, name))
        return True

    def restore(self) -> None:
        """Undo every replace/patch, newest first."""
        while self._undo:
            owner, attr, original = self._undo.pop()
            if original is _INHERITED:
                delattr(owner, attr)
            else:
                setattr(owner, attr, original)


_INHERITED = object()


def _task_name(task: Any, *_: Any) -> str:
    """An lm-eval task's name."""
    return getattr(getattr(task, "config", None), "task", None) or type(task).__name__


def _time_fewshot_list(timers: Timers, name: str) -> None:
    """Time the list(fewshot_docs()) that ConfigurableTask.__init__ makes of every document (zero-shot or not)."""
    from lm_eval.api.task import ConfigurableTask

    original = ConfigurableTask.fewshot_docs

    def fewshot_as_list(self: Any) -> Any:
        docs = original(self)
        if docs is None:
            return None
        with timers.phase(name):
            return list(docs)

    timers.replace(ConfigurableTask, "fewshot_docs", fewshot_as_list)


# ---------------------------------------------------------------------------------------------------------------
# Worker 1: the task dictionary


def worker_task_dict(spec: dict[str, Any]) -> dict[str, Any]:
    """Import, index and build the suite's tasks in this (fresh) process, with phase timers."""
    out: dict[str, Any] = {"include_defaults": spec["include_defaults"]}
    timers = Timers()
    with timers.phase("import lm_eval + culturebench"):
        import datasets
        from lm_eval.api.task import ConfigurableTask
        from lm_eval.tasks import TaskManager

        import culturebench  # noqa: F401
    out["culturebench_file"] = sys.modules["culturebench"].__file__
    with timers.phase("TaskManager index"):
        manager = TaskManager(include_path=spec["include_path"], include_defaults=spec["include_defaults"])
    out["indexed_entries"] = len(getattr(manager, "_index", None) or [])
    timers.patch(ConfigurableTask, "download", "load: documents + from_list")
    timers.patch(datasets.Dataset, "from_list", "load: Dataset.from_list")
    _time_fewshot_list(timers, "load: list(fewshot docs)")
    with timers.phase("TaskManager.load"):
        loaded = manager.load(spec["tasks"].split(","))
    timers.restore()
    out["tasks"] = {name: len(task.eval_docs) for name, task in loaded["tasks"].items()}
    out["groups"] = len(loaded.get("groups", {}))
    out["documents"] = sum(out["tasks"].values())
    out["seconds"] = dict(timers.seconds)
    return out


# ---------------------------------------------------------------------------------------------------------------
# Worker 2: evaluate in-process with phase timers, then the bare forward pass


def _patch_evaluate(timers: Timers, captured: dict[str, Any]) -> None:
    """Timers around every phase of lm_eval.simple_evaluate and culturebench's report."""
    import datasets
    import lm_eval.evaluator as evaluator
    from lm_eval.api.model import CacheHook, CachingLM
    from lm_eval.api.task import ConfigurableTask
    from lm_eval.models.huggingface import HFLM
    from lm_eval.tasks import TaskManager

    original_load = TaskManager.load

    def load(self: Any, *args: Any, **kwargs: Any) -> Any:
        with timers.phase("task building (TaskManager.load)"):
            loaded = original_load(self, *args, **kwargs)
        captured["loaded"] = loaded
        return loaded

    timers.replace(TaskManager, "load", load)
    timers.patch(ConfigurableTask, "download", lambda task, *a: f"dataset:{_task_name(task)}")
    timers.patch(datasets.Dataset, "from_list", "  of which Dataset.from_list")
    _time_fewshot_list(timers, "  of which list(fewshot docs) in Task.__init__")
    timers.patch(HFLM, "__init__", "model load (HFLM)")
    timers.patch(ConfigurableTask, "build_all_requests", lambda task, *a, **k: f"requests:{_task_name(task)}")
    timers.patch(ConfigurableTask, "process_results", lambda task, *a: f"results:{_task_name(task)}")
    timers.patch(ConfigurableTask, "apply_filters", "  apply_filters")
    timers.patch(HFLM, "loglikelihood", "model: HFLM.loglikelihood (tokenize, collate, score)")
    timers.patch(CacheHook, "add_partial", "model: --use_cache hook writes (sqlite)")
    timers.patch(evaluator, "evaluate", "lm_eval.evaluator.evaluate")
    timers.patch(evaluator, "_process_results", "aggregation (_process_results)")
    for name in ("add_env_info", "add_tokenizer_info", "get_git_commit_hash"):
        timers.patch(evaluator, name, "simple_evaluate: env/git/tokenizer info")

    original_getattr = CachingLM.__getattr__

    def caching_getattr(self: Any, attr: str) -> Any:
        value = original_getattr(self, attr)
        if attr in ("loglikelihood", "loglikelihood_rolling", "generate_until"):
            return timers.wrap(value, "model: request loop (CachingLM, incl. HFLM)")
        return value

    timers.replace(CachingLM, "__getattr__", caching_getattr)

    original_aggregation = ConfigurableTask.aggregation

    def aggregation(self: Any) -> dict:
        task = _task_name(self)
        return {m: timers.wrap(fn, f"agg:{task}:{m}") for m, fn in original_aggregation(self).items()}

    timers.replace(ConfigurableTask, "aggregation", aggregation)

    original_model_call = HFLM._model_call

    def model_call(self: Any, inps: Any, *args: Any, **kwargs: Any) -> Any:
        captured["forward_rows"] = captured.get("forward_rows", 0) + int(inps.shape[0])
        captured["forward_batches"] = captured.get("forward_batches", 0) + 1
        return original_model_call(self, inps, *args, **kwargs)

    timers.replace(HFLM, "_model_call", model_call)
    timers.patch(HFLM, "_model_call", "model: forward passes inside lm-eval")

    with contextlib.suppress(ImportError):
        import culturebench.report.build as build

        for name in ("hofstede_rows", "vsm_rows", "wvs_rows", "likert_rows", "reply_rows", "_run_info"):
            timers.patch(build, name, "report: read samples")
        for name in ("_hofstede_section", "_vsm_section", "_wvs_section", "selfconcept_section"):
            timers.patch(build, name, f"report: {name.strip('_')}")


def _preflight(spec: dict[str, Any], output: Path) -> None:
    """What culturebench evaluate does before lm-eval: the tokenizer grouping check and preflight.json."""
    import culturebench.evaluate as cb_evaluate

    check = getattr(cb_evaluate, "grouping_preflight", None)
    checks = check("hf", spec["model_args"], False) if check else None
    output.mkdir(parents=True, exist_ok=True)
    (output / "preflight.json").write_text(
        json.dumps(
            {
                "model": "hf",
                "model_args": spec["model_args"],
                "tasks": spec["tasks"],
                "limit": spec["limit"],
                "apply_chat_template": False,
                "choice_grouping": None
                if checks is None
                else {name: {"ok": c.ok, "detail": c.detail} for name, c in checks.items()},
            },
            indent=2,
        )
    )


def _run_lm_eval(spec: dict[str, Any], output: Path, timers: Timers) -> dict[str, Any]:
    """lm-eval's `run` subcommand (0.4.13 Run._execute), with our TaskManager and timers around each phase."""
    os.environ["TOKENIZERS_PARALLELISM"] = "false"
    from lm_eval import simple_evaluate
    from lm_eval._cli.harness import HarnessCLI
    from lm_eval.config.evaluate_config import EvaluatorConfig
    from lm_eval.loggers import EvaluationTracker
    from lm_eval.tasks import TaskManager
    from lm_eval.utils import handle_non_serializable, make_table, setup_logging

    setup_logging()
    cmd = lm_eval_cli_command(spec, output)
    namespace = HarnessCLI()._parser.parse_args(cmd[3:])  # drop "python -m lm_eval"
    cfg = EvaluatorConfig.from_cli(namespace)
    cfg.include_path = spec["include_path"]
    if cfg.output_path:
        cfg.hf_hub_log_args["output_path"] = cfg.output_path
    tracker = EvaluationTracker(**cfg.hf_hub_log_args)
    with timers.phase("TaskManager index"):
        manager = TaskManager(
            include_path=cfg.include_path, include_defaults=spec["include_defaults"], metadata=cfg.metadata or {}
        )
    names: list[str] = []
    for task in cfg.tasks.split(",") if isinstance(cfg.tasks, str) else cfg.tasks:
        names += [n for n in manager.match_tasks([task]) if n not in names]
    with timers.phase("simple_evaluate"):
        results = simple_evaluate(
            model=cfg.model,
            model_args=cfg.model_args,
            tasks=names,
            num_fewshot=cfg.num_fewshot,
            batch_size=cfg.batch_size,
            max_batch_size=cfg.max_batch_size,
            device=cfg.device,
            use_cache=cfg.use_cache,
            cache_requests=cfg.cache_requests.get("cache_requests", False),
            rewrite_requests_cache=cfg.cache_requests.get("rewrite_requests_cache", False),
            delete_requests_cache=cfg.cache_requests.get("delete_requests_cache", False),
            limit=cfg.limit,
            samples=cfg.samples,
            check_integrity=cfg.check_integrity,
            write_out=cfg.write_out,
            log_samples=cfg.log_samples,
            evaluation_tracker=tracker,
            system_instruction=cfg.system_instruction,
            apply_chat_template=cfg.apply_chat_template,
            fewshot_as_multiturn=cfg.fewshot_as_multiturn,
            gen_kwargs=cfg.gen_kwargs,
            task_manager=manager,
            verbosity=cfg.verbosity,
            predict_only=cfg.predict_only,
            random_seed=cfg.seed[0] if cfg.seed else None,
            numpy_random_seed=cfg.seed[1] if cfg.seed else None,
            torch_random_seed=cfg.seed[2] if cfg.seed else None,
            fewshot_random_seed=cfg.seed[3] if cfg.seed else None,
            confirm_run_unsafe_code=cfg.confirm_run_unsafe_code,
            metadata=cfg.metadata,
        )
    with timers.phase("write lm-eval results + samples"):
        samples = results.pop("samples")
        json.dumps(results, indent=2, default=handle_non_serializable, ensure_ascii=False)
        tracker.save_results_aggregated(results=results, samples=samples)
        for task_name in results["configs"]:
            tracker.save_results_samples(task_name=task_name, samples=samples[task_name])
    with timers.phase("print lm-eval tables"):
        print(make_table(results))
        if "groups" in results:
            print(make_table(results, "groups"))
    return results


def bare_forward(model_path: str, prompts: list[str], device: str, batch_size: int) -> dict[str, float]:
    """One forward pass per batch of prompts (longest first, right-padded, as lm-eval batches them), no lm-eval."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model_path)
    model = AutoModelForCausalLM.from_pretrained(model_path, dtype=torch.float32).to(device).eval()
    pad = tok.pad_token_id if tok.pad_token_id is not None else (tok.eos_token_id or 0)
    start = time.perf_counter()
    encoded = sorted(tok(prompts, add_special_tokens=False)["input_ids"], key=len, reverse=True)
    tokenize = time.perf_counter() - start
    batches = []
    for i in range(0, len(encoded), batch_size):
        chunk = encoded[i : i + batch_size]
        width = len(chunk[0])
        batches.append(torch.tensor([ids + [pad] * (width - len(ids)) for ids in chunk], device=device))
    with torch.inference_mode():
        model(batches[-1])  # warm-up
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        start = time.perf_counter()
        for batch in batches:
            model(batch)
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        forward = time.perf_counter() - start
    return {"tokenize": tokenize, "forward": forward, "total": tokenize + forward, "batches": len(batches)}


def worker_evaluate(spec: dict[str, Any]) -> dict[str, Any]:
    """culturebench evaluate in-process with phase timers, the report, then the bare forward pass."""
    start = time.perf_counter()
    timers = Timers()
    captured: dict[str, Any] = {}
    output = Path(spec["output"])
    with timers.phase("import lm_eval + culturebench"):
        import lm_eval.evaluator  # noqa: F401
        from lm_eval.models.huggingface import HFLM  # noqa: F401

        import culturebench.evaluate  # noqa: F401
    profiler = cProfile.Profile() if spec.get("profile") else None
    if profiler:
        profiler.enable()
    _patch_evaluate(timers, captured)
    with timers.phase("preflight (tokenizer grouping check)"):
        _preflight(spec, output)
    _run_lm_eval(spec, output, timers)
    report_phase = "culturebench report (write_report)"
    try:
        from culturebench.report.build import write_report

        with timers.phase(report_phase):
            write_report(output)
    except ImportError as e:
        print(f"report skipped: {e}", file=sys.stderr)
    if profiler:
        profiler.disable()
        profiler.dump_stats(spec["profile"])
    evaluate_total = time.perf_counter() - start
    after = time.perf_counter()
    timers.restore()

    loaded = captured["loaded"]
    per_task: dict[str, dict[str, Any]] = {}
    prompts: list[str] = []
    for name, task in loaded["tasks"].items():
        by_doc: dict[int, str] = {}
        for instance in task.instances:
            by_doc.setdefault(instance.doc_id, instance.args[0])
        prompts += list(by_doc.values())
        per_task[name] = {"documents": len(task.eval_docs), "scored": len(by_doc)}
    bare = bare_forward(spec["model_path"], prompts, spec["device"], int(spec["batch_size"]))
    import torch

    return {
        "torch_threads": torch.get_num_threads(),
        "culturebench_file": sys.modules["culturebench"].__file__,
        "include_defaults": spec["include_defaults"],
        "evaluate_seconds": evaluate_total,
        "after_evaluate_seconds": time.perf_counter() - after,
        "seconds": dict(timers.seconds),
        "calls": dict(timers.calls),
        "tasks": per_task,
        "groups": len(loaded.get("groups", {})),
        "scored": len(prompts),
        "lm_eval_forward_rows": captured.get("forward_rows", 0),
        "lm_eval_forward_batches": captured.get("forward_batches", 0),
        "bare": bare,
    }


WORKERS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "task_dict": worker_task_dict,
    "evaluate": worker_evaluate,
}


# ---------------------------------------------------------------------------------------------------------------
# Driver


def run_worker(kind: str, spec: dict[str, Any], work: Path, env: dict[str, str]) -> dict[str, Any]:
    """Run one worker in a fresh interpreter; its output goes to a log under `work`."""
    tag = f"{kind}-{len(list(work.glob('*.log')))}"
    spec_file, result_file, log = work / f"{tag}.spec.json", work / f"{tag}.result.json", work / f"{tag}.log"
    spec_file.write_text(json.dumps(spec))
    cmd = [sys.executable, __file__, "--worker", kind, str(spec_file), str(result_file)]
    start = time.perf_counter()
    with log.open("w") as sink:
        done = subprocess.run(cmd, stdout=sink, stderr=subprocess.STDOUT, env=env, check=False)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        tail = log.read_text()[-4000:]
        raise SystemExit(f"worker {kind} failed (exit {done.returncode}); log {log}:\n{tail}")
    result = json.loads(result_file.read_text())
    result["process_wall_seconds"] = wall
    return result


def run_cli(spec: dict[str, Any], work: Path, env: dict[str, str]) -> float:
    """Wall time of `python -m culturebench evaluate ...` as a user runs it."""
    cmd = [sys.executable, "-m", "culturebench", "evaluate", "--model", "hf", "--model-args", spec["model_args"],
           "--tasks", spec["tasks"], "--limit", str(spec["limit"]), "--device", spec["device"],
           "--batch-size", str(spec["batch_size"]), "--output", str(work / "cli-run")]  # fmt: skip
    log = work / "cli.log"
    start = time.perf_counter()
    with log.open("w") as sink:
        done = subprocess.run(cmd, stdout=sink, stderr=subprocess.STDOUT, env=env, check=False)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        tail = log.read_text()[-4000:]
        raise SystemExit(f"culturebench evaluate failed (exit {done.returncode}); log {log}:\n{tail}")
    return wall


def _row(label: str, *cells: str) -> str:
    """One table line: a label, then right-aligned cells."""
    return f"  {label:<52}" + "".join(f"{c:>15}" for c in cells)


def _s(x: float | None) -> str:
    """Seconds, or a dash."""
    return "—" if x is None else f"{x:.2f} s"


def _ms(x: float | None) -> str:
    """Milliseconds, or a dash."""
    return "—" if x is None else f"{1000 * x:.1f} ms"


def _task_dict_table(dicts: dict[str, dict[str, Any]]) -> list[str]:
    """The task dictionary table, one column per include_defaults value."""
    first = next(iter(dicts.values()))
    out = [
        f"suite: {len(first['tasks'])} tasks in {first['groups']} groups, {first['documents']:,} documents "
        "(TaskManager.load builds them all, whatever --limit says)",
        "",
        "Task dictionary (fresh process each)",
    ]
    keys = list(dicts)
    out.append(_row("", *(f"defaults={k}" for k in keys)))
    for label, phase in (
        ("import lm_eval + culturebench", "import lm_eval + culturebench"),
        ("TaskManager index", "TaskManager index"),
        ("TaskManager.load (task building)", "TaskManager.load"),
        ("  documents + from_list (custom_dataset)", "load: documents + from_list"),
        ("    of which Dataset.from_list", "load: Dataset.from_list"),
        ("  list(fewshot docs) in Task.__init__", "load: list(fewshot docs)"),
    ):
        out.append(_row(label, *(_s(dicts[k]["seconds"].get(phase)) for k in keys)))
    build = [dicts[k]["seconds"]["TaskManager index"] + dicts[k]["seconds"]["TaskManager.load"] for k in keys]
    other = [
        dicts[k]["seconds"]["TaskManager.load"]
        - dicts[k]["seconds"].get("load: documents + from_list", 0.0)
        - dicts[k]["seconds"].get("load: list(fewshot docs)", 0.0)
        for k in keys
    ]
    out.append(_row("  other (task utils imports, Task.__init__)", *(_s(x) for x in other)))
    out.append(_row("index + load", *(_s(x) for x in build)))
    out.append(_row("process wall (incl. interpreter start)", *(_s(dicts[k]["process_wall_seconds"]) for k in keys)))
    return out


def _sum(prefix: str) -> Callable[[dict[str, float]], float]:
    """Sum of the per-task timers whose key starts with `prefix`."""
    return lambda sec: sum(v for k, v in sec.items() if k.startswith(prefix))


def _results_residual(sec: dict[str, float]) -> float:
    """lm-eval's evaluate() minus requests, model and aggregation: filters, process_results, sample logging."""
    parts = (_sum("requests:")(sec), sec.get(LOOP, 0.0), sec.get(AGGREGATION, 0.0))
    return sec.get("lm_eval.evaluator.evaluate", 0.0) - sum(parts)


def _load_residual(sec: dict[str, float]) -> float:
    """TaskManager.load minus datasets and the few-shot copy: task utils imports and Task.__init__."""
    parts = (_sum("dataset:")(sec), sec.get("  of which list(fewshot docs) in Task.__init__", 0.0))
    return sec.get("task building (TaskManager.load)", 0.0) - sum(parts)


LOOP = "model: request loop (CachingLM, incl. HFLM)"
AGGREGATION = "aggregation (_process_results)"
REPORT = "culturebench report (write_report)"
# (label, timer key or a function of the timers) of the in-process evaluate table, in order.
EVALUATE_ROWS: list[tuple[str, str | Callable[[dict[str, float]], float]]] = [
    ("import lm_eval + culturebench", "import lm_eval + culturebench"),
    ("preflight (tokenizer grouping check)", "preflight (tokenizer grouping check)"),
    ("TaskManager index", "TaskManager index"),
    ("model load (HFLM)", "model load (HFLM)"),
    ("task building (TaskManager.load)", "task building (TaskManager.load)"),
    ("  documents + from_list (custom_dataset)", _sum("dataset:")),
    ("    of which Dataset.from_list", "  of which Dataset.from_list"),
    ("  list(fewshot docs) in Task.__init__", "  of which list(fewshot docs) in Task.__init__"),
    ("  other (task utils imports, Task.__init__)", _load_residual),
    ("request construction (build_all_requests)", _sum("requests:")),
    ("model: request loop incl. --use_cache", LOOP),
    ("  HFLM.loglikelihood (tokenize, collate, score)", "model: HFLM.loglikelihood (tokenize, collate, score)"),
    ("    forward passes inside lm-eval", "model: forward passes inside lm-eval"),
    ("  --use_cache hook writes (sqlite)", "model: --use_cache hook writes (sqlite)"),
    ("results: filters, process_results, sample log", _results_residual),
    ("  of which process_results", _sum("results:")),
    ("aggregation (_process_results)", AGGREGATION),
    ("  of which task aggregation functions", _sum("agg:")),
    ("simple_evaluate: env/git/tokenizer info", "simple_evaluate: env/git/tokenizer info"),
    ("write lm-eval results + samples", "write lm-eval results + samples"),
    ("print lm-eval tables", "print lm-eval tables"),
    (REPORT, REPORT),
]


def _evaluate_table(ev: dict[str, Any]) -> list[str]:
    """The in-process evaluate table, the per-task table and the slowest aggregations."""
    sec = ev["seconds"]
    n_tasks, n_docs = len(ev["tasks"]), ev["scored"]
    out = [
        "",
        f"Evaluate in-process (lm-eval CLI arguments, include_defaults={ev['include_defaults']}): "
        f"{n_tasks} tasks, {n_docs} documents scored, torch threads {ev.get('torch_threads')}",
        _row("phase", "seconds", "per task", "per doc"),
    ]

    def line(label: str, value: float | None) -> None:
        per_task = None if value is None else value / n_tasks
        out.append(_row(label, _s(value), _ms(per_task), _ms(None if value is None else value / n_docs)))

    total = ev["process_wall_seconds"] - ev["after_evaluate_seconds"]
    line("interpreter start (process wall - timed)", total - ev["evaluate_seconds"])
    for label, key in EVALUATE_ROWS:
        line(label, key(sec) if callable(key) else sec.get(key))
    for key in (k for k in sec if k.startswith("report: ")):
        line("  " + key, sec[key])
    bare = ev["bare"]["total"]
    line("TOTAL evaluate (process wall)", total)
    line("bare forward, same prompts (tokenize + forward)", bare)
    line("  of which forward", ev["bare"]["forward"])
    line("FIXED COST (total - bare forward)", total - bare)
    out.append(
        f"  lm-eval forward rows: {ev['lm_eval_forward_rows']} in {ev['lm_eval_forward_batches']} batches "
        f"(bare: {n_docs} rows in {ev['bare']['batches']} batches)"
    )
    out += ["", "Per task (seconds)"]
    out.append(f"  {'task':<36}{'docs':>8}{'scored':>8}{'dataset':>9}{'requests':>9}{'results':>9}{'agg':>8}")
    for name, info in ev["tasks"].items():
        agg = _sum(f"agg:{name}:")(sec)
        out.append(
            f"  {name:<36}{info['documents']:>8}{info['scored']:>8}{sec.get(f'dataset:{name}', 0):>9.2f}"
            f"{sec.get(f'requests:{name}', 0):>9.2f}{sec.get(f'results:{name}', 0):>9.2f}{agg:>8.3f}"
        )
    slow = sorted(((v, k) for k, v in sec.items() if k.startswith("agg:")), reverse=True)[:8]
    out += ["", "Slowest aggregation functions (on the scored documents)"]
    out += [f"  {k[4:]:<62}{_ms(v):>12}  ({ev['calls'][k]} calls)" for v, k in slow]
    return out


def _cli_table(cli: float, ev: dict[str, Any]) -> list[str]:
    """End-to-end `culturebench evaluate` against the bare forward pass."""
    bare = ev["bare"]["total"]
    n_tasks, n_docs = len(ev["tasks"]), ev["scored"]
    out = ["", "culturebench evaluate end to end (python -m culturebench evaluate: lm-eval CLI subprocess + report)"]
    out.append(_row("", "seconds", "per task", "per doc"))
    for label, value in (("total wall", cli), ("bare forward, same prompts", bare), ("FIXED COST", cli - bare)):
        out.append(_row(label, _s(value), _ms(value / n_tasks), _ms(value / n_docs)))
    return out


def format_report(result: dict[str, Any]) -> str:
    """The readable tables."""
    cfg = result["config"]
    out = [
        f"CultureBench fixed cost: model {cfg['model_label']}, device {cfg['device']}, batch size {cfg['batch_size']},"
        f" --limit {cfg['limit']}, {os.cpu_count()} CPU cores, OMP_NUM_THREADS={cfg.get('threads') or 'unset'}",
        f"package: {result.get('culturebench_file')}",
        f"tasks: {cfg['tasks']}",
    ]
    if result.get("task_dict"):
        out += _task_dict_table(result["task_dict"])
    ev = result.get("evaluate")
    if ev:
        out += _evaluate_table(ev)
    if result.get("cli_seconds") is not None and ev:
        out += _cli_table(result["cli_seconds"], ev)
    if result.get("profile"):
        out += ["", f"cProfile of the in-process evaluate: {result['profile']} (timings above include its overhead)"]
        out.append(result["profile_top"])
    return "\n".join(out)


def profile_top(path: str, n: int = 25) -> str:
    """The top functions by own time in a cProfile dump."""
    buf = io.StringIO()
    stats = pstats.Stats(path, stream=buf)
    stats.sort_stats("tottime").print_stats(n)
    return "\n".join(line for line in buf.getvalue().splitlines() if line.strip())


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", default=None, help="comma-separated tasks or groups; default: the package's suite")
    parser.add_argument("--include-path", default=None, help="lm-eval task folder; default: the package's")
    parser.add_argument("--model", default=None, help="model folder; default: a tiny random Llama built here")
    parser.add_argument("--limit", type=int, default=DEFAULT_LIMIT, help=f"documents per task; default {DEFAULT_LIMIT}")
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE, help="default %(default)s")
    parser.add_argument("--device", default="cpu", help="default %(default)s")
    parser.add_argument("--threads", type=int, default=1,
                        help="OMP_NUM_THREADS for every run (0: leave unset); default 1, because on a small CPU VM two "
                        "threads make the tiny model's forward pass several times slower and erratic")  # fmt: skip
    parser.add_argument("--no-defaults-evaluate", action="store_true",
                        help="run the in-process evaluate with TaskManager(include_defaults=False) (lm-eval's CLI "
                        "always indexes its built-in tasks)")  # fmt: skip
    parser.add_argument("--skip-task-dict", action="store_true", help="skip the task dictionary measurement")
    parser.add_argument("--skip-cli", action="store_true", help="skip the end-to-end `culturebench evaluate` run")
    parser.add_argument("--profile", metavar="FILE", help="cProfile the in-process evaluate into FILE (pstats)")
    parser.add_argument("--json", metavar="FILE", help="also write every number to FILE")
    parser.add_argument("--work-dir", metavar="DIR", help="keep runs and logs here; default: a temporary folder")
    parser.add_argument("--worker", nargs=3, metavar=("KIND", "SPEC", "RESULT"), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Run the workers (or one worker, with --worker), print the tables, write --json."""
    args = parse_args(argv)
    if args.worker:
        kind, spec_file, result_file = args.worker
        result = WORKERS[kind](json.loads(Path(spec_file).read_text()))
        Path(result_file).write_text(json.dumps(result, indent=2))
        return

    import culturebench

    work = Path(args.work_dir or tempfile.mkdtemp(prefix="culturebench-fixed-cost-")).resolve()
    work.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    package_root = str(Path(culturebench.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
    if args.threads:
        env["OMP_NUM_THREADS"] = str(args.threads)
    tasks = args.tasks or default_tasks()
    print(f"culturebench: {culturebench.__file__}\nwork dir: {work}", flush=True)

    started = time.perf_counter()
    if args.model:
        model_path, model_label = args.model, args.model
    else:
        from culturebench.tiny_model import build_tiny_model

        model_path, model_label = str(build_tiny_model(work / "tiny-model")), "tiny random Llama (build_tiny_model)"
    spec: dict[str, Any] = {
        "tasks": tasks,
        "include_path": args.include_path or include_path(),
        "model_path": model_path,
        "model_args": f"pretrained={model_path}",
        "limit": args.limit,
        "batch_size": args.batch_size,
        "device": args.device,
        "threads": args.threads or None,
    }
    result: dict[str, Any] = {
        "config": spec | {"model_label": model_label},
        "culturebench_file": culturebench.__file__,
        "task_dict": {},
    }
    if not args.skip_task_dict:
        for defaults in (True, False):
            print(f"task dictionary, include_defaults={defaults} ...", flush=True)
            key = str(defaults)
            result["task_dict"][key] = run_worker("task_dict", spec | {"include_defaults": defaults}, work, env)
    print("evaluate in-process with phase timers, then the bare forward pass ...", flush=True)
    eval_spec = spec | {
        "include_defaults": not args.no_defaults_evaluate,
        "output": str(work / "inprocess-run"),
        "profile": str(Path(args.profile).resolve()) if args.profile else None,
    }
    result["evaluate"] = run_worker("evaluate", eval_spec, work, env)
    if args.profile:
        result["profile"] = eval_spec["profile"]
        result["profile_top"] = profile_top(eval_spec["profile"])
    if not args.skip_cli:
        print("culturebench evaluate end to end ...", flush=True)
        result["cli_seconds"] = run_cli(spec, work, env)
    result["benchmark_seconds"] = time.perf_counter() - started
    print()
    print(format_report(result))
    print(f"\nbenchmark wall time {result['benchmark_seconds']:.0f} s; runs and logs in {work}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
