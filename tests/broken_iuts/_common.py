"""Shared plumbing of the deliberately broken IUTs: the reference driver plus one defect.

Each script wraps :meth:`reference.driver.Driver.handle_frame` and
misbehaves on ``input`` requests -- on every one, or with ``--at TICK`` only
on inputs at that tick (so a test can break one case and keep the others).
"""

import argparse
import sys
from collections.abc import Callable
from typing import Any, BinaryIO

from conformance.driverio import claim_stdout, serve
from reference import cbor
from reference.driver import Driver
from spec.v1.driver import MAX_DRIVER_FRAME

Handler = Callable[[bytes], bytes]

FRAMES: BinaryIO = sys.stdout.buffer
"""The stream frames go to (set by :func:`main`); defects that write raw bytes use it."""


def decode(payload: bytes) -> Any:
    return cbor.decode(payload, max_size=MAX_DRIVER_FRAME)


def encode(value: Any) -> bytes:
    return cbor.encode(value)


def triggered_by(at: int | None) -> Callable[[Any], bool]:
    """A predicate: is this decoded request an input the defect applies to?"""

    def check(request: Any) -> bool:
        return request.get("op") == "input" and (at is None or request.get("at") == at)

    return check


def main(defect: Callable[[Handler, Callable[[Any], bool]], Handler]) -> None:
    """Parse ``--at``, wrap the reference's handler with ``defect`` and serve stdin/stdout."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--at", type=int, default=None, help="misbehave only at this tick")
    args = parser.parse_args()
    global FRAMES
    FRAMES = claim_stdout()
    handler = defect(Driver().handle_frame, triggered_by(args.at))
    sys.exit(serve(handler, sys.stdin.buffer, FRAMES))
