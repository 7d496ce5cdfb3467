"""Broken IUT: drops the last output of every step that has any."""

from _common import decode, encode, main


def defect(handle, triggered):
    def handler(payload: bytes) -> bytes:
        reply = handle(payload)
        value = decode(reply)
        if triggered(decode(payload)) and value.get("outputs"):
            reply = encode({**value, "outputs": value["outputs"][:-1]})
        return reply

    return handler


if __name__ == "__main__":
    main(defect)
