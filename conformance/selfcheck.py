"""Known-answer checks run by ``peermarket selfcheck`` (and ``make run``).

They catch an install whose CBOR or Ed25519 library behaves differently
from the one the corpus was recorded with.
"""

from collections.abc import Callable

from reference import cbor
from reference.codec import to_value
from reference.envelope import open_envelope, seal
from reference.identity import Identity, verify
from spec.v1 import errors as E
from spec.v1.wire import Ping

Result = tuple[str, bool, str]

# RFC 8032 section 7.1, TEST 1.
_RFC8032_SEED = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
_RFC8032_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
_RFC8032_SIGNATURE = bytes.fromhex(
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
)

# (hex, required error code) — one item per rule of the profile.
_REJECTS: tuple[tuple[str, E.ErrorCode], ...] = (
    ("1817", E.DECODE_NON_CANONICAL),
    ("5f4100ff", E.DECODE_INDEFINITE_LENGTH),
    ("a2616201616101", E.DECODE_UNSORTED_KEYS),
    ("a2616101616102", E.DECODE_DUPLICATE_KEY),
    ("f93c00", E.DECODE_UNSUPPORTED_TYPE),
    ("c11a514b67b0", E.DECODE_UNSUPPORTED_TYPE),
    ("a10102", E.DECODE_BAD_MAP_KEY),
    ("0000", E.DECODE_TRAILING_BYTES),
    ("1c", E.DECODE_MALFORMED),
)


def _ed25519() -> Result:
    who = Identity.from_seed(_RFC8032_SEED)
    ok = who.public_key == _RFC8032_PUBLIC and who.sign(b"") == _RFC8032_SIGNATURE
    ok = ok and verify(_RFC8032_PUBLIC, b"", _RFC8032_SIGNATURE)
    return ("Ed25519 (RFC 8032 test 1)", ok, "")


def _deterministic_map() -> Result:
    got = cbor.encode({"bb": 1, "a": (b"\x00", None, True), "c": -1}).hex()
    want = "a36161834100f6f561632062626201"  # a, c, bb: bytewise order of encoded keys
    return ("CBOR deterministic map", got == want, "" if got == want else f"got {got}")


def _rejects() -> list[Result]:
    results: list[Result] = []
    for hex_, code in _REJECTS:
        try:
            cbor.decode(bytes.fromhex(hex_))
            results.append((f"reject {hex_}", False, f"accepted, expected {code}"))
        except E.PeerMarketError as exc:
            ok = exc.code == code
            results.append((f"reject {hex_}", ok, code.code if ok else f"got {exc.code}"))
    return results


def _envelope() -> Result:
    frame = seal(Identity.from_label("selfcheck"), Ping(nonce=bytes(8), sent_at=1), seq=1)
    opened = open_envelope(frame)
    replayed_as_other_seq = cbor.encode({**to_value(opened.envelope), "seq": 2})
    try:
        open_envelope(replayed_as_other_seq)
        return ("envelope seal/open/tamper", False, "tampered frame accepted")
    except E.PeerMarketError as exc:
        ok = exc.code == E.AUTH_BAD_SIGNATURE and opened.body == Ping(nonce=bytes(8), sent_at=1)
        return ("envelope seal/open/tamper", ok, "" if ok else f"got {exc.code}")


_CHECKS: tuple[Callable[[], Result], ...] = (_ed25519, _deterministic_map, _envelope)


def run_selfcheck() -> list[Result]:
    """Every check's (name, passed, detail)."""
    return [check() for check in _CHECKS] + _rejects()
