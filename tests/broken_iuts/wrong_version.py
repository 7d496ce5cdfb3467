"""Broken IUT: answers hello with driver version 2, which the runner did not offer."""

from _common import decode, encode, main


def defect(handle, triggered):
    def handler(payload: bytes) -> bytes:
        reply = handle(payload)
        if decode(payload).get("op") == "hello":
            reply = encode({**decode(reply), "version": 2})
        return reply

    return handler


if __name__ == "__main__":
    main(defect)
