"""Broken IUT: the reference, with a map count checked at 1 byte per pair instead of 2.

The profile refuses, at its head, a map whose pairs cannot fit in the bytes
left, counting at least 2 bytes per pair; this decoder allows 1, so it reads
on into the pairs and meets some other defect first.
"""

from typing import Any

from _common import main

import reference.cbor

_enter = reference.cbor._enter


def loose_enter(pos: int, depth: int, count: int, min_bytes: int, remaining: int) -> Any:
    return _enter(pos, depth, count, min(min_bytes, 1), remaining)


if __name__ == "__main__":
    reference.cbor._enter = loose_enter
    main(lambda handle, triggered: handle)
