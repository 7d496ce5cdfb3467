"""The registry of flags a negative conformance case uses to say what it attacks.

As in Wycheproof, every negative case names the error it requires and the
flags that explain why the input is bad, so an implementation can never pass
a case for the wrong reason, and a reader learns what class of bug it probes.
"""

from dataclasses import dataclass
from typing import Final, Literal

BugType = Literal["malformed", "non_canonical", "auth_bypass", "replay", "protocol", "resource"]


@dataclass(frozen=True, slots=True)
class Flag:
    """One attack class: its stable name, the kind of bug and what it probes."""

    name: str
    bug_type: BugType
    description: str


def _flag(name: str, bug_type: BugType, description: str) -> Flag:
    return Flag(name, bug_type, description)


FLAGS: Final[tuple[Flag, ...]] = (
    _flag(
        "NonShortestInteger",
        "non_canonical",
        "An integer or length head uses a longer form "
        "than needed; accepting it gives one message two encodings (signature malleability).",
    ),
    _flag(
        "IndefiniteLength",
        "non_canonical",
        "A string, array or map uses indefinite-length encoding, which deterministic CBOR forbids.",
    ),
    _flag("UnsortedKeys", "non_canonical", "Map keys are out of bytewise order."),
    _flag(
        "DuplicateKey",
        "non_canonical",
        "A map repeats a key; decoders that keep the first or "
        "the last value disagree about the message.",
    ),
    _flag("TrailingBytes", "malformed", "Bytes follow the single item of a frame."),
    _flag("Truncated", "malformed", "The frame ends inside an item."),
    _flag(
        "ReservedEncoding",
        "malformed",
        "A reserved additional-information value or a stray break code.",
    ),
    _flag(
        "FloatForInteger",
        "malformed",
        "A float where the profile allows integers only, even when its value is integral.",
    ),
    _flag(
        "InvalidUtf8",
        "malformed",
        "A text string whose bytes are not valid UTF-8 (a stray byte, an overlong form, an "
        "encoded surrogate); a decoder that repairs or replaces them reads another text than "
        "the one sent.",
    ),
    _flag(
        "LeadingBom",
        "malformed",
        "A text that starts with U+FEFF, the byte order mark: valid UTF-8 and part of the text, "
        "so a decoder that strips it (as many UTF-8 decoders do by default) reads another text.",
    ),
    _flag(
        "PatternAnchor",
        "malformed",
        "A text that matches its pattern only if the pattern's $ may match before a trailing "
        "newline, as it does in Python's re.match and in PCRE by default.",
    ),
    _flag(
        "CharacterCount",
        "malformed",
        "A text whose length bound is met or broken depending on whether it is counted in "
        "characters (code points, as the profile says) or in UTF-8 bytes, or whose bound and "
        "pattern are both broken, so the order of the two checks decides the code.",
    ),
    _flag("TagUsed", "malformed", "A CBOR tag, which the profile does not allow."),
    _flag(
        "SimpleValue",
        "malformed",
        "undefined (f7), or any simple value but false, true and null, including the "
        "malformed two-byte form (f8 00..f8 1f) of a simple value below 32.",
    ),
    _flag("BadMapKey", "malformed", "A map key that is not a text string of at most 23 bytes."),
    _flag(
        "OversizedFrame",
        "resource",
        "A frame over MAX_FRAME_BYTES; must be refused before parsing.",
    ),
    _flag("DeepNesting", "resource", "Nesting deeper than MAX_DEPTH; probes unbounded recursion."),
    _flag(
        "UnknownField",
        "malformed",
        "A field the schema does not define; silently ignoring it "
        "lets two implementations read different messages.",
    ),
    _flag("MissingField", "malformed", "A required field is absent."),
    _flag("WrongType", "malformed", "A field holds a value of another CBOR type."),
    _flag("OutOfRange", "malformed", "A value outside its field's bounds."),
    _flag(
        "BadValue",
        "malformed",
        "A value of the right type and within its bounds that the field does not allow: "
        "a text that does not match the field's pattern, a name outside its fixed set.",
    ),
    _flag("BadSignature", "auth_bypass", "The signature does not verify over the signing input."),
    _flag("WrongKey", "auth_bypass", "The public key does not hash to the claimed sender id."),
    _flag(
        "SignatureForOtherContext",
        "auth_bypass",
        "A valid signature over a different "
        "protocol, type or sequence number: tests domain separation.",
    ),
    _flag(
        "StaleSequence",
        "replay",
        "A sequence number not above the last accepted one from the "
        "same sender, or, for a sender without an entry, not above its bucket's floor: "
        "a replayed message.",
    ),
    _flag("UnsupportedVersion", "protocol", "A wire version the implementation does not speak."),
    _flag("UnknownProtocol", "protocol", "A protocol name outside the spec or the node's role."),
    _flag("UnknownType", "protocol", "A message type its protocol does not define."),
    _flag("UnknownCommand", "protocol", "A local command the node's role does not define."),
    _flag(
        "UnexpectedMessage",
        "protocol",
        "A valid message, command or timer that the node's state machine does not accept "
        "in its current state.",
    ),
    _flag(
        "Misrouted",
        "protocol",
        "Overlay routing state that contradicts the ring: a route whose key is not the key of "
        "the request it carries, or a routing-table entry offered for a slot it does not fit.",
    ),
    _flag(
        "ForgedReference",
        "auth_bypass",
        "An overlay message whose node reference names someone other than its signer, so "
        "that a receiver would record another node's id with the sender's coordinates.",
    ),
    # Strict Ed25519 verification (envelope.md, "Signing input"): what lenient verifiers accept.
    _flag(
        "SmallOrderKey",
        "auth_bypass",
        "The sender's public key is a point of small order (1, 2, 4 or 8), with a signature "
        "forged without any secret key that a cofactorless verifier without a small-order check "
        "(OpenSSL, and so Node's crypto.verify) accepts.",
    ),
    _flag(
        "SmallOrderR",
        "auth_bypass",
        "The signature's R is a point of small order, and the verification equation holds "
        "(R = [S]B - [k]A), so only the small-order check on R rejects it.",
    ),
    _flag(
        "NonCanonicalPoint",
        "non_canonical",
        "A public key or R encodes its point in a form that is not the canonical one: y of p "
        "or more (reduced by decoders that do not check), or the sign bit set where x = 0.",
    ),
    _flag(
        "NonCanonicalScalar",
        "non_canonical",
        "The signature's S is not below the group order L: S + L of a valid signature, a "
        "second signature of the same message for a verifier that reduces S or checks only "
        "its top bits (signature malleability).",
    ),
    _flag(
        "CofactoredEquation",
        "auth_bypass",
        "A signature that satisfies the cofactored equation [8][S]B = [8]R + [8][k]A but not the "
        "cofactorless one the spec requires: R is off by a point of small order.",
    ),
    _flag(
        "NotOnCurve",
        "malformed",
        "A public key whose 32 bytes decode to no point of the curve (no x solves the curve "
        "equation for its y): not a key at all, whatever a library does with it on import.",
    ),
    # The auction (auction.md): what a trader or a broker may try against the market.
    _flag(
        "ImpersonatedTrader",
        "auth_bypass",
        "A validly signed offer whose trader field names another node than its signer: an "
        "offer made in somebody else's name.",
    ),
    _flag(
        "ReplayedOffer",
        "replay",
        "An offer whose number is not above the newest one the broker holds from its trader: "
        "an old offer handed over again to revive a price.",
    ),
    _flag(
        "OverlongValidity",
        "protocol",
        "An offer valid for longer than the market's maximum t, which would let it outlive "
        "the prices it was made against.",
    ),
    _flag("ExpiredOffer", "protocol", "An offer handed over after its last valid tick."),
    _flag(
        "WrongSlot",
        "protocol",
        "Candidates for a slot other than the one being collected (late, or from a broker whose "
        "slots disagree), or a candidate reported heard outside its round.",
    ),
    _flag(
        "NotBroker",
        "protocol",
        "An auction message a broker handles, sent to a node that does not broker the service.",
    ),
    _flag(
        "WrongService",
        "protocol",
        "An offer carried by a message for another service than the offer's own.",
    ),
    _flag(
        "OfferFlood",
        "resource",
        "More traders' offers in one round than a broker keeps pending (m): the broker must "
        "refuse the newcomers, never drop an offer it already accepted.",
    ),
    _flag(
        "AlteredOffer",
        "auth_bypass",
        "A broker forwards a trader's offer with a changed byte (a better price, a longer "
        "validity): the trader's signature no longer covers it.",
    ),
    _flag(
        "FalseMatch",
        "auth_bypass",
        "A match notice from a broker the offer never went to, for an offer never made, or "
        "repeated: a broker claiming a trade that the offer's brokers did not agree on.",
    ),
    _flag(
        "Outsider",
        "auth_bypass",
        "Candidates from a node outside the broker set, which would let anyone inject offers "
        "into the global match.",
    ),
    _flag(
        "NotParty",
        "auth_bypass",
        "A negotiation message from a third node, or a cfp in another consumer's name: only "
        "the two parties of a negotiation move it.",
    ),
    _flag(
        "LateNegotiation",
        "protocol",
        "A negotiation message after the deadline both parties agreed on, or a deadline out of "
        "range: a late answer must not bind anyone.",
    ),
    _flag(
        "WrongRound",
        "protocol",
        "A cfp, proposal or rejection for another round than the current one (a replayed or "
        "skipped round).",
    ),
    _flag(
        "RoundLimit",
        "resource",
        "A counter-offer beyond max_rounds: an endless negotiation holds the provider's state.",
    ),
    _flag(
        "NegotiationFlood",
        "resource",
        "More negotiations than a node holds (max_open), more than 64 offered or priced "
        "services, or more than 256 access rules: it must refuse the new ones, never drop what "
        "it holds.",
    ),
    _flag(
        "PhantomOffer",
        "protocol",
        "An acceptance of an offer that was never made, or of one the provider withdrew by "
        "answering a later round.",
    ),
    _flag(
        "AlteredSla",
        "auth_bypass",
        "Terms or an SLA that differ from what was negotiated: another price, period or "
        "guarantee than the one both parties signed.",
    ),
    _flag(
        "WrongSigner",
        "auth_bypass",
        "An SLA frame validly signed, but by another key than the party it names.",
    ),
    _flag(
        "OutOfPeriod",
        "protocol",
        "A service started before the agreement's start tick or after its end.",
    ),
    _flag(
        "UsageOutOfOrder",
        "replay",
        "A usage report whose number repeats, skips or reorders the agreement's reports: a "
        "provider charging twice for one report, or hiding one.",
    ),
    _flag(
        "OverUsage",
        "protocol",
        "Usage reported beyond the units the agreement covers.",
    ),
    _flag(
        "WrongCharge",
        "protocol",
        "A provider's final charge that is not the tariff applied to the recorded usage.",
    ),
    _flag(
        "UnknownAgreement",
        "protocol",
        "Usage reported for an agreement the node never held, or for one that has closed.",
    ),
    _flag(
        "DeniedPeer",
        "auth_bypass",
        "A negotiation opened by, or with, a peer that access control excludes: denied by a "
        "rule, or with too low a standing.",
    ),
    _flag(
        "DoublePayment",
        "replay",
        "A payment for an agreement or barter pair that is already settled.",
    ),
    _flag(
        "BarterUnsettled",
        "protocol",
        "One leg of a barter pair settled alone, while the other leg's obligation is still open.",
    ),
    _flag(
        "WrongPayment",
        "protocol",
        "A payment of another amount than is due, or by a party that owes nothing.",
    ),
    _flag(
        "ForgedDescription",
        "auth_bypass",
        "A service description signed by another key than the provider it names.",
    ),
    _flag(
        "LyingIndex",
        "protocol",
        "An index answering a query with descriptions that do not match it.",
    ),
    _flag(
        "StaleDescription",
        "replay",
        "A description replayed with a version no newer than the one kept, or past its validity.",
    ),
    _flag(
        "UnofferedService",
        "protocol",
        "A description published for a service the provider does not offer.",
    ),
    _flag(
        "UnsolicitedResults",
        "protocol",
        "Search results for a search never made, already answered, or forgotten.",
    ),
)

BY_NAME: Final[dict[str, Flag]] = {flag.name: flag for flag in FLAGS}
