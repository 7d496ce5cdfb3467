"""Broken IUT: exits with code 3 in the middle of a step, after logging to stderr."""

import os
import sys

from _common import decode, main


def defect(handle, triggered):
    def handler(payload: bytes) -> bytes:
        if triggered(decode(payload)):
            sys.stderr.write("broken-iut: simulated crash in the step handler\n")
            sys.stderr.flush()
            os._exit(3)
        return handle(payload)

    return handler


if __name__ == "__main__":
    main(defect)
