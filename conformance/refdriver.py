"""``python -m conformance.refdriver``: the reference implementation as a driver-protocol IUT.

This is a composition module, the one place in ``conformance`` that imports
the reference's internals: it plugs :meth:`reference.driver.Driver.handle_frame`
into :func:`conformance.driverio.serve` over stdin/stdout. Logs, if any, go
to stderr; stdout carries frames only.
"""

import sys

from conformance.driverio import claim_stdout, serve


def main() -> int:
    """Serve one session; the exit code is :func:`~conformance.driverio.serve`'s."""
    frames = claim_stdout()
    from reference.driver import Driver

    return serve(Driver().handle_frame, sys.stdin.buffer, frames)


if __name__ == "__main__":
    sys.exit(main())
