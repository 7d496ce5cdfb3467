"""Broken IUT: logs a line to stdout instead of stderr, corrupting the frame stream."""

import _common
from _common import decode, main


def defect(handle, triggered):
    def handler(payload: bytes) -> bytes:
        if triggered(decode(payload)):
            _common.FRAMES.write(b"DEBUG: stepping node\n")
        return handle(payload)

    return handler


if __name__ == "__main__":
    main(defect)
