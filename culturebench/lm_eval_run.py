"""lm-eval's own `run` command, without indexing lm-eval's built-in tasks.

`python -m lm_eval run` always builds a TaskManager over lm-eval's ~14,000 built-in task YAMLs
(about 9 s on a 2-core machine) even when every requested task is ours, and 0.4.13 has no option
to skip it. `culturebench evaluate` runs this module instead when it asks only for packaged tasks:
the same command line, the same lm-eval code, with `include_defaults=False`.

    python -m culturebench.lm_eval_run run --model hf --include_path "$(culturebench tasks-dir)" --tasks ...
"""

from __future__ import annotations

import sys
from functools import wraps


def main(argv: list[str]) -> None:
    from lm_eval.__main__ import cli_evaluate
    from lm_eval.tasks import TaskManager

    original = TaskManager.__init__

    @wraps(original)
    def packaged_only(self, *args, include_defaults: bool = True, **kwargs) -> None:
        original(self, *args, include_defaults=False, **kwargs)

    TaskManager.__init__ = packaged_only
    sys.argv = ["lm_eval", *argv]
    cli_evaluate()


if __name__ == "__main__":
    main(sys.argv[1:])
