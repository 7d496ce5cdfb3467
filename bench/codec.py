"""Envelope codec throughput, and what signature verification leaves for the rest.

- ``decode+validate``: the frame through the CBOR profile decoder, the envelope
  schema and the body decoder (no signature check).
- ``open (full verify)``: :func:`reference.envelope.open_envelope`, every check.
- ``raw Ed25519 verify``: PyNaCl's ``VerifyKey.verify`` of the same signing
  input and signature, with the key object built once.

The ratio open / raw verify says how much of an envelope's cost is the
signature itself; the issue's target is at least 0.75.
"""

from nacl.signing import VerifyKey

from bench import Figure, Report, Settings, benchmark, measure_interleaved
from reference import cbor
from reference.codec import decode_message, from_value
from reference.envelope import open_envelope, seal, signing_input
from reference.identity import Identity
from spec.v1.envelope import Envelope
from spec.v1.registry import MESSAGES
from spec.v1.wire import Ping

TARGET_RATIO = 0.75


@benchmark("codec")
def codec(settings: Settings) -> Report:
    who = Identity.from_label("bench")
    frame = seal(who, Ping(nonce=bytes(range(8)), sent_at=1_000_000), seq=123_456)
    envelope = open_envelope(frame).envelope
    to_verify = signing_input(envelope)
    key = VerifyKey(envelope.sender_key)
    signature = envelope.signature

    def decode_and_validate() -> object:
        env = from_value(Envelope, cbor.decode(frame))
        return decode_message(MESSAGES[(env.protocol, env.type)], env.body, "body")

    def raw_verify() -> object:
        return key.verify(to_verify, signature)

    rates = measure_interleaved(
        {
            "decode+validate": decode_and_validate,
            "open (full verify)": lambda: open_envelope(frame),
            "raw Ed25519 verify": raw_verify,
        },
        settings,
    )
    report = Report("codec", list(rates.values()))
    report.context = {"frame_bytes": len(frame), "message": "wire.ping"}
    opened, raw = rates["open (full verify)"], rates["raw Ed25519 verify"]
    report.figures = [
        Figure(
            "open / raw verify (best)",
            opened.best / raw.best,
            TARGET_RATIO,
            "signed-envelope verification throughput over raw Ed25519 verify throughput",
        ),
        Figure("open / raw verify (median)", opened.median / raw.median),
        Figure(
            "codec share of open",
            1 - opened.best / raw.best,
            note="fraction of an open spent outside Ed25519",
        ),
    ]
    return report
