"""Broken IUT: answers ok to create_node for any protocol, even one that does not exist."""

from _common import decode, encode, main


def defect(handle, triggered):
    def handler(payload: bytes) -> bytes:
        reply = handle(payload)
        if decode(payload).get("op") == "create_node" and decode(reply).get("op") == "unsupported":
            reply = encode({"op": "ok"})
        return reply

    return handler


if __name__ == "__main__":
    main(defect)
