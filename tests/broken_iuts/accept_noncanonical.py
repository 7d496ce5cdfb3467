"""Broken IUT: a lenient decoder. A frame refused as non-canonical is re-encoded and accepted.

This is the classic bug deterministic CBOR guards against: a decoder that
takes any encoding gives one message several byte forms.
"""

import cbor2
from _common import decode, encode, main

LENIENT = {"decode.non_canonical", "decode.indefinite_length", "decode.unsorted_keys"}


def defect(handle, triggered):
    def handler(payload: bytes) -> bytes:
        reply = handle(payload)
        request = decode(payload)
        if triggered(request) and decode(reply).get("error") in LENIENT:
            item = request["input"]
            if item.get("kind") == "deliver":
                canonical = encode(cbor2.loads(item["frame"]))
                request = {**request, "input": {**item, "frame": canonical}}
                reply = handle(encode(request))
        return reply

    return handler


if __name__ == "__main__":
    main(defect)
