"""Broken IUT: answers a step with a length prefix far above MAX_DRIVER_FRAME."""

import time

import _common
from _common import decode, main


def defect(handle, triggered):
    def handler(payload: bytes) -> bytes:
        if triggered(decode(payload)):
            _common.FRAMES.write(b"\xff\xff\xff\xf0" + b"\x00" * 64)
            _common.FRAMES.flush()
            time.sleep(3600)  # a runner that trusted the prefix would wait for 4 GiB here
        return handle(payload)

    return handler


if __name__ == "__main__":
    main(defect)
