"""The error taxonomy: stable codes every implementation reports for bad input.

A code never changes meaning and is never reused (see ``prose/versioning.md``).
Conformance traces name the code a negative case requires, so two
implementations agree not only that an input is bad but on *why*. The docs'
error table is generated from :data:`ERROR_CODES`.
"""

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class ErrorCode:
    """One documented error: its stable code and what it means."""

    code: str
    summary: str
    detail: str

    @property
    def category(self) -> str:
        """The part before the first dot (``decode``, ``auth``, ...)."""
        return self.code.split(".", 1)[0]

    def __str__(self) -> str:
        return self.code


def _code(code: str, summary: str, detail: str) -> ErrorCode:
    return ErrorCode(code, summary, detail)


# -- decode: the frame is not a well-formed item of the PeerMarket CBOR profile --
DECODE_TOO_LARGE: Final = _code(
    "decode.too_large",
    "Frame exceeds the size limit.",
    "The frame is longer than MAX_FRAME_BYTES; it is rejected before any byte is parsed.",
)
DECODE_MALFORMED: Final = _code(
    "decode.malformed",
    "Not well-formed CBOR.",
    "Truncated item, reserved additional-information value (28-30), a break code outside "
    "an indefinite-length item, invalid UTF-8 in a text string, or an empty frame.",
)
DECODE_NON_CANONICAL: Final = _code(
    "decode.non_canonical",
    "Integer or length not in its shortest form.",
    "RFC 8949 section 4.2.1 requires the argument of every head (integer value, string "
    "length, array or map count) to use the shortest encoding that holds it.",
)
DECODE_INDEFINITE_LENGTH: Final = _code(
    "decode.indefinite_length",
    "Indefinite-length string, array or map.",
    "Deterministic encoding allows definite lengths only.",
)
DECODE_UNSORTED_KEYS: Final = _code(
    "decode.unsorted_keys",
    "Map keys not in bytewise order of their encodings.",
    "RFC 8949 section 4.2.1: keys are sorted by the bytewise lexicographic order of their "
    "deterministic encodings.",
)
DECODE_DUPLICATE_KEY: Final = _code(
    "decode.duplicate_key",
    "A map key occurs twice.",
    "A map with a repeated key is invalid (RFC 8949 section 5.6) and is never merged.",
)
DECODE_BAD_MAP_KEY: Final = _code(
    "decode.bad_map_key",
    "Map key is not a text string of at most 23 bytes.",
    "The key discipline of the profile: every map key is a text string of 0..23 bytes.",
)
DECODE_UNSUPPORTED_TYPE: Final = _code(
    "decode.unsupported_type",
    "CBOR item outside the profile (float, tag, undefined, simple value).",
    "The profile has unsigned and negative integers, byte and text strings, arrays, maps, "
    "false, true and null. Floats are never valid, even where they would equal an integer.",
)
DECODE_TOO_DEEP: Final = _code(
    "decode.too_deep",
    "Arrays and maps nested deeper than MAX_DEPTH.",
    "Bounds the decoder's recursion on hostile input.",
)
DECODE_TRAILING_BYTES: Final = _code(
    "decode.trailing_bytes",
    "Bytes follow the single top-level item.",
    "A frame holds exactly one CBOR item.",
)
DECODE_UNKNOWN_FIELD: Final = _code(
    "decode.unknown_field",
    "A map carries a key the message schema does not define.",
    "Messages are closed: unknown fields are rejected, never ignored.",
)
DECODE_MISSING_FIELD: Final = _code(
    "decode.missing_field",
    "A field the message schema requires is absent.",
    "Every field of a v1 message is required; absent optional values are encoded as null.",
)
DECODE_WRONG_TYPE: Final = _code(
    "decode.wrong_type",
    "A field holds a value of the wrong CBOR type.",
    "For example a text string where an integer is required, or an integer where a boolean is.",
)
DECODE_OUT_OF_RANGE: Final = _code(
    "decode.out_of_range",
    "A value lies outside the bounds its field declares.",
    "Integer bounds, byte and text lengths, and list lengths are all part of the schema.",
)
DECODE_BAD_VALUE: Final = _code(
    "decode.bad_value",
    "A value has the right type but is not one the field allows.",
    "For example a text field that must match a pattern or name one of a fixed set of values.",
)

# -- envelope: well-formed, but not addressed to anything this spec defines --
ENVELOPE_UNSUPPORTED_VERSION: Final = _code(
    "envelope.unsupported_version",
    "Envelope carries a wire version this implementation does not speak.",
    "The wire version is the spec's major version; v1 implementations accept only 1.",
)
ENVELOPE_UNKNOWN_PROTOCOL: Final = _code(
    "envelope.unknown_protocol",
    "Envelope names a protocol this implementation does not know.",
    "The protocol field must name a protocol of the spec that the receiver implements.",
)
ENVELOPE_UNKNOWN_TYPE: Final = _code(
    "envelope.unknown_type",
    "Envelope names a message type its protocol does not define.",
    "The type field must name a message type of the envelope's protocol.",
)

# -- auth: the sender is not who the envelope claims --
AUTH_WRONG_KEY: Final = _code(
    "auth.wrong_key",
    "The sender's public key does not hash to the sender's node id.",
    "nodeId = SHA-256(public key)[0:16]; a mismatch means the envelope claims another identity.",
)
AUTH_BAD_SIGNATURE: Final = _code(
    "auth.bad_signature",
    "The Ed25519 signature does not verify.",
    "The signature is checked over the domain-separated signing input of the envelope.",
)

# -- replay: authentic, but not fresh --
REPLAY_STALE_SEQUENCE: Final = _code(
    "replay.stale_sequence",
    "Sequence number not above the last one accepted from this sender (or its bucket's floor).",
    "Sequence numbers strictly increase per sender; a repeat or an older number is a replay, "
    "and so is a number not above the floor of its bucket from a sender without an entry.",
)

# -- machine: the message is valid but the protocol state does not allow it now --
MACHINE_NO_TRANSITION: Final = _code(
    "machine.no_transition",
    "No transition of the state machine accepts this event in the current state.",
    "The machine's table lists every allowed (state, trigger) pair; anything else is refused "
    "and the state is left unchanged.",
)
MACHINE_GUARD_REJECTED: Final = _code(
    "machine.guard_rejected",
    "Transitions exist for this event, but none of their guards holds.",
    "The guards named in the table decide between transitions; when none holds the event "
    "is refused and the state is left unchanged.",
)

# -- auction: a well-formed, authentic auction message the market's rules refuse --
AUCTION_NOT_TRADER: Final = _code(
    "auction.not_trader",
    "An offer is signed by a key that is not the trader it names.",
    "The offer's trader MUST be the signer of its inner envelope: nobody makes offers in "
    "another trader's name.",
)
AUCTION_WRONG_SERVICE: Final = _code(
    "auction.wrong_service",
    "An offer is handed over for another service than its own.",
    "A candidates message names one service; every offer it carries MUST be for it.",
)
AUCTION_VALIDITY_TOO_LONG: Final = _code(
    "auction.validity_too_long",
    "An offer stays valid for longer than the market's maximum t.",
    "valid_until MUST be at most max_validity after the tick at which a broker received the "
    "offer from its trader (now for a submit, the reported tick for a candidate).",
)
AUCTION_EXPIRED: Final = _code(
    "auction.expired",
    "An offer arrives after its last valid tick.",
    "A broker accepts a submitted offer only while now <= valid_until.",
)
AUCTION_STALE_OFFER: Final = _code(
    "auction.stale_offer",
    "An offer's number is not above the newest one the broker holds from its trader.",
    "Only a trader's newest offer is kept: an older or repeated offer number is a replay.",
)
AUCTION_PENDING_FULL: Final = _code(
    "auction.pending_full",
    "A broker already holds m pending offers of the service, none from this trader.",
    "A broker keeps at most one pending offer per trader and m in all until the next even slot "
    "ends; beyond that it refuses new traders' offers rather than drop any it accepted.",
)
AUCTION_WRONG_SLOT: Final = _code(
    "auction.wrong_slot",
    "Candidates for a slot the broker is not collecting, or heard outside their round.",
    "Candidates of even slot k are taken during slot k + 1, held when they arrive early in "
    "slot k, and refused otherwise; each candidate's reported tick lies in its round.",
)
AUCTION_OUTSIDER: Final = _code(
    "auction.outsider",
    "Candidates from a node that is not in the service's broker set.",
    "Only the brokers of a service take part in its global match.",
)

# -- sla: a well-formed, authentic SLA message or command the negotiation's rules refuse --
SLA_NOT_PARTY: Final = _code(
    "sla.not_party",
    "A negotiation input from, or towards, a node that is not its other party.",
    "A negotiation has two parties: its id begins with the consumer's node id, and only the "
    "provider it was opened with answers it; a node never negotiates with itself.",
)
SLA_BAD_DEADLINE: Final = _code(
    "sla.bad_deadline",
    "A negotiation's deadline is in the past, too far ahead, or changed by a counter-offer.",
    "A first cfp's deadline lies in [now, now + max_deadline]; every later cfp of the "
    "negotiation carries the same deadline.",
)
SLA_DEADLINE_PASSED: Final = _code(
    "sla.deadline_passed",
    "A negotiation input after the negotiation's deadline.",
    "Every input of an open negotiation but its deadline timer is refused once now > deadline.",
)
SLA_TOO_MANY: Final = _code(
    "sla.too_many",
    "The node holds as many negotiations (or offers services) as it may.",
    "A node holds at most max_open negotiations and agreements, offers and prices at most 64 "
    "services and keeps at most 256 access rules; it refuses new ones rather than drop any it "
    "holds.",
)
SLA_BAD_ROUND: Final = _code(
    "sla.bad_round",
    "A negotiation message for another round than the one it must be.",
    "A first cfp is round 1, a counter-offer the current round + 1; answers and rejections "
    "name the current round.",
)
SLA_ROUND_LIMIT: Final = _code(
    "sla.round_limit",
    "A counter-offer beyond the market's last round.",
    "A negotiation has at most max_rounds rounds; round max_rounds gets no counter-offer.",
)
SLA_WRONG_SIGNER: Final = _code(
    "sla.wrong_signer",
    "An SLA frame signed by another key than the party it names.",
    "The terms MUST be signed by their provider and the acceptance by its consumer, each the "
    "negotiation's own party.",
)
SLA_ALTERED_SLA: Final = _code(
    "sla.altered_sla",
    "Terms that are not the ones negotiated, or an SLA that is not the one accepted.",
    "A proposal's terms repeat the round's requirements (a unit price at most max_price); the "
    "agreement's frames are byte for byte the offer accepted and the acceptance sent.",
)
SLA_UNKNOWN_OFFER: Final = _code(
    "sla.unknown_offer",
    "An acceptance of an offer the provider never made or no longer stands by.",
    "Only the provider's current offer, the terms of its latest proposal in the current "
    "round, can be accepted.",
)

SLA_OUTSIDE_PERIOD: Final = _code(
    "sla.outside_period",
    "An agreement's service started outside its period.",
    "The provider starts the service at a tick from the terms' start to their end.",
)
SLA_BAD_SEQ: Final = _code(
    "sla.bad_seq",
    "A usage report out of sequence.",
    "An agreement's reports are numbered 1, 2, 3, ...: each is the number of reports so far + 1, "
    "so none is lost, repeated or reordered unnoticed.",
)
SLA_OVER_UNITS: Final = _code(
    "sla.over_units",
    "Usage beyond the units the agreement covers.",
    "The units of an agreement's reports add up to at most the terms' units.",
)
SLA_WRONG_CHARGE: Final = _code(
    "sla.wrong_charge",
    "A charge that does not follow the tariff.",
    "The provider's inform_done MUST state the number of reports and the charge, unit_price "
    "times the units reported, exactly as the consumer recorded them.",
)
SLA_UNKNOWN_AGREEMENT: Final = _code(
    "sla.unknown_agreement",
    "A usage report or a payment for an agreement the node does not know.",
    "Usage is reported only for an agreement the node holds, and paid only for one it has a "
    "record of.",
)
SLA_AGREEMENT_CLOSED: Final = _code(
    "sla.agreement_closed",
    "A usage report for an agreement that has already closed.",
    "A completed, violated or terminated agreement takes no more usage.",
)
SLA_DENIED: Final = _code(
    "sla.denied",
    "A negotiation with a peer that access control does not admit.",
    "Security (interface C) admits a peer before negotiation starts: not denied by a rule, and "
    "allowed by one or with a standing of at least min_standing.",
)
SLA_SETTLED: Final = _code(
    "sla.settled",
    "A payment for an agreement that is already settled.",
    "An agreement, or a barter pair, is settled once: a second payment would be paid twice.",
)
SLA_BARTER_UNSETTLED: Final = _code(
    "sla.barter_unsettled",
    "A payment for one leg of a barter pair while the other leg is still open.",
    "A barter pair settles both legs together, once both have closed, or neither.",
)
SLA_WRONG_PAYMENT: Final = _code(
    "sla.wrong_payment",
    "A payment by a party that owes nothing, or of another amount than it owes.",
    "The consumer of an agreement pays what is due on it; for a barter pair, the party that "
    "owes the difference between the two legs' dues pays exactly that difference.",
)

SLA_WRONG_INDEX: Final = _code(
    "sla.wrong_index",
    "A description or query delivered for another key than its service type's index.",
    "A type's index lives at the root of the key SHA-256('peermarket/sla/index/' || type)[:16]; "
    "a routed description or query arrives under exactly that key.",
)
SLA_BAD_DESCRIPTION: Final = _code(
    "sla.bad_description",
    "A service description not signed by the provider it names, or a result that does not "
    "match the query.",
    "Descriptions are signed by their providers, so an index can only pass them on; results "
    "hold only descriptions of the query's type that meet every condition of the query.",
)
SLA_STALE_DESCRIPTION: Final = _code(
    "sla.stale_description",
    "A description no newer than the one kept of its service, or past its validity.",
    "An index keeps the highest version of each provider's service until its valid_until tick.",
)
SLA_NOT_OFFERED: Final = _code(
    "sla.not_offered",
    "A description published for a service this node does not offer.",
    "A provider publishes descriptions of its offered services only, built from the offer.",
)
SLA_UNKNOWN_SEARCH: Final = _code(
    "sla.unknown_search",
    "Results for a search this node has not open, or has had answered.",
    "A search takes one answer, while it is open.",
)

# -- engine: the implementation broke its own table (a bug, never the peer's fault) --
ENGINE_ILLEGAL_EMIT: Final = _code(
    "engine.illegal_emit",
    "An action emitted a message type its transition does not allow.",
    "Reported by the reference engine to catch bugs in protocol code; a conformant "
    "implementation never exhibits it.",
)
ENGINE_INCOMPLETE_MACHINE: Final = _code(
    "engine.incomplete_machine",
    "A machine was built without a guard or action its table names, or with extra ones.",
    "Reported when a machine is constructed, so a table and its code cannot drift apart.",
)

ERROR_CODES: Final[tuple[ErrorCode, ...]] = tuple(
    value for value in list(globals().values()) if isinstance(value, ErrorCode)
)
"""Every code of the taxonomy, in the order above (the order the docs use)."""

BY_CODE: Final[dict[str, ErrorCode]] = {e.code: e for e in ERROR_CODES}


class PeerMarketError(Exception):
    """A typed rejection: the code, the field (a dotted path or ``@offset``), the reason."""

    def __init__(self, code: ErrorCode, field: str, reason: str) -> None:
        super().__init__(f"{code.code} at {field or '$'}: {reason}")
        self.code = code
        self.field = field
        self.reason = reason


class EngineError(PeerMarketError):
    """A bug in an implementation's own protocol code, found by the engine."""
