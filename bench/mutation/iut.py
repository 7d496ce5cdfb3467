"""``python -P -m bench.mutation.iut``: the (mutated) reference as a driver-protocol subprocess.

:mod:`conformance.refdriver` with two guards for mutation runs: the code must
come from the tree that holds this file (the scratch copy under mutation,
with ``PYTHONPATH`` pointing at it), and the process ends by itself when its
parent (the replay) is gone, so that a mutant stuck in a loop leaves no
orphan behind when cosmic-ray's timeout kills the replay.
"""

from __future__ import annotations

import os
import sys
import threading
import time

from bench.mutation.replay import check_origin, limit_memory


def _exit_with_parent(parent: int, every: float = 0.5) -> None:
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every)
        os._exit(70)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def main() -> int:
    _exit_with_parent(os.getppid())
    limit_memory()
    import reference.driver  # noqa: F401  (imported here to check where it comes from)
    from conformance import refdriver

    check_origin(out=sys.stderr)  # stdout carries frames only
    return refdriver.main()


if __name__ == "__main__":
    sys.exit(main())
