"""Broken IUT: sleeps forever on a step (an infinite loop, a deadlock)."""

import os
import sys
import time

from _common import decode, main


def defect(handle, triggered):
    def handler(payload: bytes) -> bytes:
        if triggered(decode(payload)):
            sys.stderr.write(f"broken-iut: pid {os.getpid()} hanging\n")
            sys.stderr.flush()
            while True:
                time.sleep(3600)
        return handle(payload)

    return handler


if __name__ == "__main__":
    main(defect)
