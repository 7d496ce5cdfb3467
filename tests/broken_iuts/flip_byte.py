"""Broken IUT: flips the last byte of its first output frame (inside ``sender_key``)."""

from _common import decode, encode, main


def defect(handle, triggered):
    def handler(payload: bytes) -> bytes:
        reply = handle(payload)
        value = decode(reply)
        if triggered(decode(payload)) and value.get("outputs"):
            first = dict(value["outputs"][0])
            frame = bytearray(first["frame"])
            frame[-1] ^= 0x01
            first["frame"] = bytes(frame)
            value = {**value, "outputs": (first, *value["outputs"][1:])}
            reply = encode(value)
        return reply

    return handler


if __name__ == "__main__":
    main(defect)
