"""Broken IUT: answers a step with a well-framed payload that is not CBOR at all."""

from _common import decode, main


def defect(handle, triggered):
    def handler(payload: bytes) -> bytes:
        if triggered(decode(payload)):
            return b"\xffgarbage\x00\x01"
        return handle(payload)

    return handler


if __name__ == "__main__":
    main(defect)
