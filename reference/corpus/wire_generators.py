"""The generators of the hand-written ``wire`` cases: which case groups each one runs.

A generator's name and version are stamped into every trace it produces, so
its version changes whenever any of its traces change (a new case, a changed
flag or description, a changed expectation). The case modules are plain
functions of the generator they record under; this module groups them.

Versions:

- ``wire-codec`` 1: the CBOR profile inside a valid envelope. 2: adds invalid UTF-8
  (a value and a key) and simple values (undefined, unassigned, two-byte forms).
  3: adds a leading byte order mark and a map count at two bytes per entry.
  4: the bounded replay window: the node's parameters carry ``replay_senders`` and its
  states the entries' ``at`` and ``replay_floors``.
  5: adds heads, lengths and counts at their boundaries (``bounds_cases``): the largest
  argument of a width in the next one, additional information 28-31 by major type, floats
  and simple values beside the malformed two-byte forms, frames ending exactly where a key,
  a value or an argument must start (also at offsets above 255), counts against the bytes
  left, a long key first, an indefinite-length key, and nesting made of maps.
- ``wire-envelope`` 1: envelope schema and routing, authentication, body, replay.
  2: the protocol and type names outside their patterns are flagged ``BadValue``
  (was ``OutOfRange``). 3: adds the strict-signature cases (small-order keys and R,
  non-canonical points, S + L, a cofactored-only R, a key with a small-order component)
  and the text cases (characters not bytes, bound before pattern, a trailing newline).
  4: the bounded replay window (``replay_senders`` in the parameters, ``at`` and
  ``replay_floors`` in the states), and its cases (``bounded_window_cases``): eviction of
  the least recent entry, floors per bucket, ties, freshness judged before eviction, a
  window of one sender, and a first frame with seq 0.
  5: adds ``wire/auth/wrong-key-lower-id-001``, a key whose id is below the claimed sender's.
  6: adds ``wire/replay/large-window-001`` (``large_window_cases``), a window of 257 entries
  that fills and then evicts: the bound holds past 256 entries.
  7: adds ``wire/auth/key-not-on-curve-001``, a sender key that is no point at all.
- ``wire-exchange`` 1: the machine's refusals and the positive conversations.
  2: the undefined command is flagged ``UnknownCommand`` (was ``UnexpectedMessage``).
  3: the bounded replay window in parameters and states; ``seq-boundaries`` starts at
  seq 1 (a first frame with seq 0 is stale).
  4: adds ``wire/machine/other-role-command-001``, an overlay command given to a wire node:
  refused by its name before its arguments are decoded.
"""

from collections.abc import Callable, Iterable
from typing import Final

from reference.corpus import CorpusGenerator
from reference.corpus.wire_auth import auth_cases
from reference.corpus.wire_body import body_cases
from reference.corpus.wire_codec import structure_cases
from reference.corpus.wire_codec_bounds import bounds_cases
from reference.corpus.wire_codec_values import value_edit_cases
from reference.corpus.wire_envelope import envelope_schema_cases
from reference.corpus.wire_exchange import exchange_cases
from reference.corpus.wire_machine import machine_cases
from reference.corpus.wire_replay import bounded_window_cases, large_window_cases, replay_cases
from reference.corpus.wire_strict_sig import strict_signature_cases
from spec.v1.trace import Generator, Trace

CODEC: Final = Generator(name="wire-codec", version="5")
ENVELOPE: Final = Generator(name="wire-envelope", version="7")
EXCHANGE: Final = Generator(name="wire-exchange", version="4")


def codec_traces() -> Iterable[Trace]:
    yield from value_edit_cases(CODEC)
    yield from structure_cases(CODEC)
    yield from bounds_cases(CODEC)


def envelope_traces() -> Iterable[Trace]:
    yield from envelope_schema_cases(ENVELOPE)
    yield from auth_cases(ENVELOPE)
    yield from strict_signature_cases(ENVELOPE)
    yield from body_cases(ENVELOPE)
    yield from replay_cases(ENVELOPE)
    yield from bounded_window_cases(ENVELOPE)
    yield from large_window_cases(ENVELOPE)


def exchange_traces() -> Iterable[Trace]:
    yield from machine_cases(EXCHANGE)
    yield from exchange_cases(EXCHANGE)


def _materialised(source: Callable[[], Iterable[Trace]]) -> Callable[[], Iterable[Trace]]:
    def generate() -> tuple[Trace, ...]:
        return tuple(source())

    return generate


CODEC_GENERATOR: Final = CorpusGenerator(CODEC.name, CODEC.version, _materialised(codec_traces))
"""The CBOR profile, attacked inside otherwise valid envelopes."""
ENVELOPE_GENERATOR: Final = CorpusGenerator(
    ENVELOPE.name, ENVELOPE.version, _materialised(envelope_traces)
)
"""The envelope schema, routing fields, signatures, body decoding and replay."""
EXCHANGE_GENERATOR: Final = CorpusGenerator(
    EXCHANGE.name, EXCHANGE.version, _materialised(exchange_traces)
)
"""Pings and pongs: the wire machine's transitions, accepted and refused."""
