"""Hand-written cases of the ``wire`` protocol: codec and envelope attacks, and conversations.

Every case drives one wire node ``a`` (seed ``seed_from_label("wire/a")``,
empty :class:`~spec.v1.wire.WireParams`). Remote peers are identities from
``seed_from_label("wire/<name>")``; in the conversations they are reference
nodes themselves, so every frame comes out of the executable spec.

A negative frame is a valid frame with exactly ONE defect, made at the byte
level (:mod:`reference.corpus.mutations`): a changed head, a moved key, a
re-signed body. For each one the generator checks that the valid frame it
started from (the *control*) would be accepted in the same state, and that
the reference rejects the defective one with exactly the intended code at
the intended field. A generator bug therefore fails loudly
(:class:`CaseError`) instead of recording a case that tests something else.

Check order matters when a frame could be read as having two defects; the
normative order (``spec/v1/prose/envelope.md``, :func:`reference.envelope.open_envelope`)
is: size, CBOR profile (left to right, then trailing bytes), envelope schema,
version, protocol, type, key binding, signature, body (CBOR then schema),
replay, machine. Cases whose defect is only reachable with a second,
later-checked oddity (an indefinite *array* where the schema wants an integer)
say so in their description.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Final

from reference import cbor
from reference.codec import encode_message, to_value
from reference.corpus import CorpusGenerator, seal_trace
from reference.corpus.mutations import (
    BREAK,
    RawMap,
    bstr,
    enc,
    float16,
    float32,
    float64,
    head,
    indefinite_array,
    indefinite_bstr,
    indefinite_tstr,
    nested_arrays,
    nint,
    tag,
    tstr,
    uint,
)
from reference.envelope import seal
from reference.identity import Identity, seed_from_label
from reference.node import Node, create, handle, observe
from reference.wire import ROLE, WireData
from spec.v1 import SPEC_VERSION, WIRE_VERSION
from spec.v1 import errors as E
from spec.v1.envelope import MAX_DEPTH, MAX_FRAME_BYTES, SIGNING_CONTEXT, signing_input_items
from spec.v1.flags import BY_NAME
from spec.v1.trace import (
    TRACE_FORMAT,
    Command,
    Deliver,
    Expect,
    FireTimer,
    Generator,
    Input,
    NodeSetup,
    Output,
    Peer,
    Step,
    Tag,
    Trace,
    TraceHeader,
)
from spec.v1.types import U63_MAX
from spec.v1.wire import MAX_PENDING, PROTOCOL, Ping, PingCommand, Pong, WireParams

NODE: Final = "a"
"""The trace-local name of the node under test."""
NODE_SEED: Final = seed_from_label("wire/a")
PARAMS: Final = encode_message(WireParams())

CODEC: Final = Generator(name="wire-codec", version="1")
ENVELOPE: Final = Generator(name="wire-envelope", version="1")
EXCHANGE: Final = Generator(name="wire-exchange", version="1")

ATTACK: Final[tuple[Tag, ...]] = ("negative", "adversarial")
EDGE: Final[tuple[Tag, ...]] = ("negative", "edge")

NONCE_B: Final = b"nonce-b1"
"""The nonce of the standard ping from ``b``."""
SENT_AT_B: Final = 5
"""The ``sent_at`` of the standard ping from ``b`` (b's clock, not a's)."""


class CaseError(Exception):
    """A case does not do what it claims: the generator, not the spec, is wrong."""


def identity(name: str) -> Identity:
    """The identity of the trace-local name ``name`` (``a`` is the node under test)."""
    return Identity.from_label(f"wire/{name}")


# --------------------------------------------------------------------------------------------
# Frames


def sign_items(
    signer: Identity,
    *,
    protocol: str,
    version: int,
    type_: str,
    sender: bytes,
    seq: int,
    body: bytes,
) -> bytes:
    """``signer``'s signature over the signing input built from exactly these values."""
    items = signing_input_items(protocol, version, type_, sender, seq, body)
    return signer.sign(cbor.encode(items))


def envelope_fields(
    signer: Identity,
    body: bytes,
    seq: int,
    *,
    type_: str = "ping",
    protocol: str = PROTOCOL,
    version: int = WIRE_VERSION,
    sender: bytes | None = None,
    sender_key: bytes | None = None,
    signature: bytes | None = None,
) -> dict[str, cbor.Value]:
    """The fields of an envelope, signed by ``signer`` over them unless ``signature`` is given.

    Unlike :func:`reference.envelope.seal` this takes values the envelope schema
    refuses (a seq of 2**63, a bad protocol name), so schema cases can be signed
    correctly and keep one defect.
    """
    sender = signer.node_id if sender is None else sender
    if signature is None:
        signature = sign_items(
            signer,
            protocol=protocol,
            version=version,
            type_=type_,
            sender=sender,
            seq=seq,
            body=body,
        )
    return {
        "version": version,
        "protocol": protocol,
        "type": type_,
        "sender": sender,
        "sender_key": signer.public_key if sender_key is None else sender_key,
        "seq": seq,
        "body": body,
        "signature": signature,
    }


def ping_body(nonce: bytes = NONCE_B, sent_at: int = SENT_AT_B) -> bytes:
    return encode_message(Ping(nonce=nonce, sent_at=sent_at))


def ping_value(nonce: bytes = NONCE_B, sent_at: int = SENT_AT_B) -> dict[str, cbor.Value]:
    return to_value(Ping(nonce=nonce, sent_at=sent_at))


def ping_frame(
    signer: Identity, seq: int, nonce: bytes = NONCE_B, sent_at: int = SENT_AT_B
) -> bytes:
    """A valid ping from ``signer``."""
    return seal(signer, Ping(nonce=nonce, sent_at=sent_at), seq)


def pong_frame(signer: Identity, seq: int, nonce: bytes, ping_sent_at: int) -> bytes:
    """A valid pong from ``signer``."""
    return seal(signer, Pong(nonce=nonce, ping_sent_at=ping_sent_at), seq)


def standard_envelope(seq: int = 1) -> RawMap:
    """The valid envelope of the standard ping from ``b``, as editable raw pairs."""
    raw = RawMap.canonical(envelope_fields(identity("b"), ping_body(), seq))
    if raw.encode() != ping_frame(identity("b"), seq):
        raise CaseError("envelope_fields disagrees with reference.envelope.seal")
    return raw


def body_frame(body: bytes, seq: int = 1) -> bytes:
    """A ping envelope from ``b`` carrying exactly ``body``, correctly signed over those bytes."""
    return enc(envelope_fields(identity("b"), body, seq))


# --------------------------------------------------------------------------------------------
# Recording one case


class RemoteNode:
    """A peer run by the reference itself, so its frames come from the executable spec."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.identity = identity(name)
        self._node: Node[WireData] = create(ROLE, self.identity, PARAMS)

    def _only(self, at: int, item: Input) -> bytes:
        self._node, outputs = handle(self._node, at, item)
        if len(outputs) != 1:
            raise CaseError(f"peer {self.name} emitted {len(outputs)} frames, expected one")
        return outputs[0].frame

    def ping(self, to: bytes, nonce: bytes, at: int) -> bytes:
        """The frame ``ping`` sends when its application pings ``to``."""
        args = encode_message(PingCommand(to=to, nonce=nonce))
        return self._only(at, Command(kind="command", name="ping", args=args))

    def receive(self, frame: bytes, from_: bytes, at: int) -> bytes:
        """Deliver ``frame`` (which must draw exactly one reply) and return the reply."""
        return self._only(at, Deliver(kind="deliver", link=from_, frame=frame))

    def accept(self, frame: bytes, from_: bytes, at: int) -> None:
        """Deliver ``frame``, which must be accepted without a reply (a pong)."""
        self._node, outputs = handle(
            self._node, at, Deliver(kind="deliver", link=from_, frame=frame)
        )
        if outputs:
            raise CaseError(f"peer {self.name} answered a frame that needs no answer")


class Case:
    """Records the steps of one case against a fresh node ``a``, checking every verdict."""

    def __init__(
        self,
        generator: Generator,
        case_id: str,
        description: str,
        tags: tuple[Tag, ...],
        flags: tuple[str, ...] = (),
    ) -> None:
        unknown = [flag for flag in flags if flag not in BY_NAME]
        if unknown:
            raise CaseError(f"{case_id}: unknown flags {unknown}")
        self.case_id = case_id
        self._generator = generator
        self._description = description
        self._tags = tags
        self._flags = flags
        self._node: Node[WireData] = create(ROLE, Identity.from_seed(NODE_SEED), PARAMS)
        self._steps: list[Step] = []
        self._peers: dict[str, bytes] = {}
        self._at = 0

    @property
    def node_id(self) -> bytes:
        return self._node.node_id

    @property
    def now(self) -> int:
        return self._at

    def peer(self, name: str) -> Identity:
        """The identity ``name``, listed among the trace's peers."""
        who = identity(name)
        self._peers[name] = who.node_id
        return who

    def remote(self, name: str) -> RemoteNode:
        """A reference node for ``name``, listed among the trace's peers."""
        self.peer(name)
        return RemoteNode(name)

    def deliver(
        self,
        frame: bytes,
        link: str,
        note: str,
        *,
        error: E.ErrorCode | None = None,
        field: str | None = None,
        control: bytes | None = None,
        at: int | None = None,
    ) -> tuple[Output, ...]:
        """Deliver ``frame`` over the link from peer ``link``; see :meth:`step`."""
        link_id = self.peer(link).node_id
        item = Deliver(kind="deliver", link=link_id, frame=frame)
        probe = None if control is None else Deliver(kind="deliver", link=link_id, frame=control)
        return self.step(item, note, error=error, field=field, control=probe, at=at)

    def command(
        self,
        name: str,
        args: bytes,
        note: str,
        *,
        error: E.ErrorCode | None = None,
        field: str | None = None,
        control: bytes | None = None,
        at: int | None = None,
    ) -> tuple[Output, ...]:
        """Give the node the local command ``name``; see :meth:`step`."""
        item = Command(kind="command", name=name, args=args)
        probe = None if control is None else Command(kind="command", name=name, args=control)
        return self.step(item, note, error=error, field=field, control=probe, at=at)

    def ping(self, to: str, nonce: bytes, note: str, *, record_state: bool = True) -> bytes:
        """Command ``ping`` to ``to``, which must succeed; returns the one ping frame sent."""
        args = encode_message(PingCommand(to=self.peer(to).node_id, nonce=nonce))
        item = Command(kind="command", name="ping", args=args)
        outputs = self.step(item, note, record_state=record_state)
        if len(outputs) != 1:
            raise CaseError(f"{self.case_id}: the ping command sent {len(outputs)} frames")
        return outputs[0].frame

    def step(
        self,
        item: Input,
        note: str,
        *,
        error: E.ErrorCode | None = None,
        field: str | None = None,
        control: Input | None = None,
        at: int | None = None,
        record_state: bool = True,
    ) -> tuple[Output, ...]:
        """Apply ``item`` at the next tick (or ``at``) and record the verdict it must get.

        ``error`` is the code the reference must reject with (at ``field``, when
        given); ``control`` is the same input without the defect, which the
        node in its current state must accept. ``record_state`` False leaves the
        step's expected state out (long runs of similar steps).
        """
        when = self._at + 1 if at is None else at
        if when < self._at:
            raise CaseError(f"{self.case_id}: time runs backwards ({when} < {self._at})")
        where = f"{self.case_id} step {len(self._steps) + 1}"
        if control is not None:
            try:
                handle(self._node, when, control)
            except E.PeerMarketError as exc:
                raise CaseError(f"{where}: the control input is itself rejected: {exc}") from exc
        before = observe(self._node)
        outputs: tuple[Output, ...] = ()
        try:
            updated, outputs = handle(self._node, when, item)
        except E.EngineError:
            raise
        except E.PeerMarketError as exc:
            if error is None:
                raise CaseError(f"{where}: rejected ({exc}) but meant to be accepted") from exc
            if exc.code != error:
                raise CaseError(f"{where}: rejected with {exc}, intended {error.code}") from exc
            if field is not None and exc.field != field:
                raise CaseError(f"{where}: rejected at {exc.field!r}, intended {field!r}") from exc
            expect = Expect(outputs=(), error=error.code, state=before)
            note = f"{note} (rejected at {exc.field or '$'})"
        else:
            if error is not None:
                raise CaseError(f"{where}: accepted but meant to be rejected with {error.code}")
            self._node = updated
            state = observe(updated) if record_state else None
            expect = Expect(outputs=outputs, error=None, state=state)
        self._at = when
        self._steps.append(Step(node=NODE, at=when, input=item, expect=expect, note=note))
        return outputs

    def trace(self) -> Trace:
        """The recorded case, sealed with its content hash."""
        rejects = any(step.expect.error is not None for step in self._steps)
        if rejects != ("negative" in self._tags) or (rejects and "positive" in self._tags):
            raise CaseError(f"{self.case_id}: tags {self._tags} do not match the expectations")
        if rejects and not self._flags:
            raise CaseError(f"{self.case_id}: a negative case must name what it attacks")
        header = TraceHeader(
            trace_format=TRACE_FORMAT,
            spec_version=SPEC_VERSION,
            protocol=PROTOCOL,
            case_id=self.case_id,
            generator=self._generator,
            description=self._description,
            tags=self._tags,
            flags=self._flags,
            nodes=(NodeSetup(name=NODE, protocol=PROTOCOL, seed=NODE_SEED, params=PARAMS),),
            peers=tuple(Peer(name=n, node_id=i) for n, i in sorted(self._peers.items())),
        )
        return seal_trace(header, self._steps)


def reject_frame(
    generator: Generator,
    case_id: str,
    description: str,
    flags: tuple[str, ...],
    frame: bytes,
    error: E.ErrorCode,
    field: str | None,
    *,
    control: bytes | None,
    note: str,
    tags: tuple[Tag, ...] = ATTACK,
) -> Trace:
    """A one-step case: ``b`` sends ``frame`` and ``a`` must reject it with ``error``."""
    case = Case(generator, case_id, description, tags, flags)
    case.deliver(frame, "b", note, error=error, field=field, control=control)
    return case.trace()


# --------------------------------------------------------------------------------------------
# Codec: the CBOR profile, attacked inside an otherwise valid envelope


@dataclass(frozen=True)
class ValueEdit:
    """Replace the encoding of one envelope value; the decoder must stop right there."""

    case_id: str
    description: str
    flags: tuple[str, ...]
    key: str
    value: bytes
    error: E.ErrorCode
    seq: int = 1
    tags: tuple[Tag, ...] = ATTACK
    offset_delta: int = 0
    """Where in the new value the decoder stops (e.g. inside nested arrays)."""


def decoded_bytes(raw: RawMap, key: str) -> bytes:
    """The byte string under ``key`` (the value without its head)."""
    value = cbor.decode(raw.value(key))
    if not isinstance(value, bytes):
        raise CaseError(f"{key} is not a byte string")
    return value


def _body_of(seq: int = 1) -> bytes:
    return decoded_bytes(standard_envelope(seq), "body")


VALUE_EDITS: Final = (
    ValueEdit(
        "wire/codec/non-shortest-seq-001",
        "seq 1 encoded in two bytes (0x18 0x01); the signature is valid over the canonical "
        "signing input, so the encoding is the only defect.",
        ("NonShortestInteger",),
        "seq",
        uint(1, 1),
        E.DECODE_NON_CANONICAL,
    ),
    ValueEdit(
        "wire/codec/non-shortest-seq-8-byte-001",
        "seq 1 encoded with an 8-byte argument (0x1b 00..01).",
        ("NonShortestInteger",),
        "seq",
        uint(1, 8),
        E.DECODE_NON_CANONICAL,
    ),
    ValueEdit(
        "wire/codec/non-shortest-seq-boundary-001",
        "seq 23, the largest value of the initial byte, encoded as 0x18 0x17.",
        ("NonShortestInteger",),
        "seq",
        uint(23, 1),
        E.DECODE_NON_CANONICAL,
        seq=23,
        tags=EDGE,
    ),
    ValueEdit(
        "wire/codec/non-shortest-seq-2-byte-001",
        "seq 255 encoded with a 2-byte argument (0x19 0x00ff) where one byte holds it.",
        ("NonShortestInteger",),
        "seq",
        uint(255, 2),
        E.DECODE_NON_CANONICAL,
        seq=255,
        tags=EDGE,
    ),
    ValueEdit(
        "wire/codec/non-shortest-text-length-001",
        "The protocol name 'wire' with its length in a one-byte argument (0x78 0x04).",
        ("NonShortestInteger",),
        "protocol",
        tstr("wire", 1),
        E.DECODE_NON_CANONICAL,
    ),
    ValueEdit(
        "wire/codec/non-shortest-bytes-length-001",
        "The body byte string's length 25 in a two-byte argument (0x59 0x0019).",
        ("NonShortestInteger",),
        "body",
        bstr(_body_of(), 2),
        E.DECODE_NON_CANONICAL,
    ),
    ValueEdit(
        "wire/codec/indefinite-text-001",
        "The protocol name as an indefinite-length text string of chunks 'wi' and 're'.",
        ("IndefiniteLength",),
        "protocol",
        indefinite_tstr(("wi", "re")),
        E.DECODE_INDEFINITE_LENGTH,
    ),
    ValueEdit(
        "wire/codec/indefinite-bytes-001",
        "The body as an indefinite-length byte string of two chunks holding the same bytes.",
        ("IndefiniteLength",),
        "body",
        indefinite_bstr((_body_of()[:12], _body_of()[12:])),
        E.DECODE_INDEFINITE_LENGTH,
    ),
    ValueEdit(
        "wire/codec/indefinite-array-001",
        "seq as an indefinite-length array [_ 1]; the CBOR profile is checked before the "
        "schema, so the indefinite length is reported, not the wrong type.",
        ("IndefiniteLength",),
        "seq",
        indefinite_array((uint(1),)),
        E.DECODE_INDEFINITE_LENGTH,
    ),
    ValueEdit(
        "wire/codec/reserved-additional-info-001",
        "seq's head replaced by 0x1c (major type 0, additional information 28, reserved).",
        ("ReservedEncoding",),
        "seq",
        b"\x1c",
        E.DECODE_MALFORMED,
    ),
    ValueEdit(
        "wire/codec/stray-break-001",
        "seq replaced by a break code (0xff) outside any indefinite-length item.",
        ("ReservedEncoding",),
        "seq",
        BREAK,
        E.DECODE_MALFORMED,
    ),
    ValueEdit(
        "wire/codec/float-seq-half-001",
        "seq as the half-precision float 1.0 (0xf9 0x3c00), equal in value to the signed seq 1.",
        ("FloatForInteger",),
        "seq",
        float16(1.0),
        E.DECODE_UNSUPPORTED_TYPE,
    ),
    ValueEdit(
        "wire/codec/float-seq-single-001",
        "seq as the single-precision float 1.0 (0xfa 0x3f800000).",
        ("FloatForInteger",),
        "seq",
        float32(1.0),
        E.DECODE_UNSUPPORTED_TYPE,
    ),
    ValueEdit(
        "wire/codec/float-seq-double-001",
        "seq as the double-precision float 1.0 (0xfb 0x3ff0000000000000).",
        ("FloatForInteger",),
        "seq",
        float64(1.0),
        E.DECODE_UNSUPPORTED_TYPE,
    ),
    ValueEdit(
        "wire/codec/tag-bignum-seq-001",
        "seq 1 as a tag-2 bignum (0xc2 0x41 0x01); tags are outside the profile.",
        ("TagUsed",),
        "seq",
        tag(2, bstr(b"\x01")),
        E.DECODE_UNSUPPORTED_TYPE,
    ),
    ValueEdit(
        "wire/codec/tag-embedded-cbor-body-001",
        "The body byte string wrapped in tag 24 (encoded CBOR data item), which it is.",
        ("TagUsed",),
        "body",
        tag(24, bstr(_body_of())),
        E.DECODE_UNSUPPORTED_TYPE,
    ),
    ValueEdit(
        "wire/codec/too-deep-001",
        f"seq holds {MAX_DEPTH} nested arrays: with the envelope map that is {MAX_DEPTH + 1} "
        "levels; the depth limit is met before the schema is consulted.",
        ("DeepNesting",),
        "seq",
        nested_arrays(MAX_DEPTH, uint(1)),
        E.DECODE_TOO_DEEP,
        offset_delta=MAX_DEPTH - 1,
    ),
    ValueEdit(
        "wire/codec/huge-bytes-length-001",
        "The body's length head claims 2**32-1 bytes; a decoder must not allocate or read past "
        "the frame.",
        ("Truncated",),
        "body",
        head(2, 2**32 - 1) + _body_of(),
        E.DECODE_MALFORMED,
    ),
)


def value_edit_cases() -> Iterable[Trace]:
    for edit in VALUE_EDITS:
        base = standard_envelope(edit.seq)
        raw = base.replace(edit.key, edit.value)
        offset = raw.offset_of_value(edit.key) + edit.offset_delta
        yield reject_frame(
            CODEC,
            edit.case_id,
            edit.description,
            edit.flags,
            raw.encode(),
            edit.error,
            f"@{offset}",
            control=base.encode(),
            note=f"ping from b, {edit.key} encoded as {edit.value[:12].hex()}",
            tags=edit.tags,
        )


def structure_cases() -> Iterable[Trace]:
    """Defects in the envelope map's own head, its keys, or the frame's extent."""
    base = standard_envelope()
    control = base.encode()

    def case(
        case_id: str,
        description: str,
        flags: tuple[str, ...],
        frame: bytes,
        error: E.ErrorCode,
        field: str,
        note: str,
        tags: tuple[Tag, ...] = ATTACK,
    ) -> Trace:
        return reject_frame(
            CODEC,
            case_id,
            description,
            flags,
            frame,
            error,
            field,
            control=control,
            note=note,
            tags=tags,
        )

    long_tag = base.replace("seq", head(6, 2, 1) + bstr(b"\x01"))
    yield case(
        "wire/codec/tag-long-form-001",
        "seq as tag 2 written with a one-byte tag number (0xd8 0x02): the non-shortest head is "
        "met before the tag itself, so the code is non_canonical, not unsupported_type.",
        ("TagUsed", "NonShortestInteger"),
        long_tag.encode(),
        E.DECODE_NON_CANONICAL,
        f"@{long_tag.offset_of_value('seq')}",
        "ping from b whose seq is 0xd802 0x4101",
        EDGE,
    )
    float_key = base.insert_at(0, float16(1.0), uint(0))
    yield case(
        "wire/codec/float-map-key-001",
        "An extra pair with the float key 1.0 at the front: the key is decoded first, so the "
        "float is reported (unsupported_type) before the key discipline.",
        ("BadMapKey", "FloatForInteger"),
        float_key.encode(),
        E.DECODE_UNSUPPORTED_TYPE,
        "@1",
        "ping from b with an extra pair 1.0: 0",
        EDGE,
    )
    yield case(
        "wire/codec/non-shortest-map-count-001",
        "The envelope map's count 8 in a one-byte argument (0xb8 0x08).",
        ("NonShortestInteger",),
        base.encode(width=1),
        E.DECODE_NON_CANONICAL,
        "@0",
        "ping from b, map head 0xb808",
    )
    long_seq_key = base.rekey("seq", tstr("seq", 1))
    yield case(
        "wire/codec/non-shortest-key-length-001",
        "The key 'seq' with its length in a one-byte argument (0x78 0x03).",
        ("NonShortestInteger",),
        long_seq_key.encode(),
        E.DECODE_NON_CANONICAL,
        f"@{long_seq_key.offset_of_entry(0)}",
        "ping from b, key 'seq' encoded as 0x7803736571",
    )
    yield case(
        "wire/codec/indefinite-map-001",
        "The envelope as an indefinite-length map (0xbf ... 0xff) with the same pairs.",
        ("IndefiniteLength",),
        base.encode_indefinite(),
        E.DECODE_INDEFINITE_LENGTH,
        "@0",
        "ping from b as an indefinite-length map",
    )
    swapped = base.swap("body", "type")
    yield case(
        "wire/codec/unsorted-keys-001",
        "The keys 'body' and 'type' exchanged, so 'body' follows 'type'.",
        ("UnsortedKeys",),
        swapped.encode(),
        E.DECODE_UNSORTED_KEYS,
        f"@{swapped.offset_of_key('body')}",
        "ping from b with 'type' before 'body'",
    )
    alphabetical = base.reorder(
        ("body", "protocol", "sender", "sender_key", "seq", "signature", "type", "version")
    )
    yield case(
        "wire/codec/keys-in-text-order-001",
        "Keys sorted as text (body, protocol, sender, ...) instead of by their encodings, "
        "where the shorter key comes first.",
        ("UnsortedKeys",),
        alphabetical.encode(),
        E.DECODE_UNSORTED_KEYS,
        f"@{alphabetical.offset_of_key('sender')}",
        "ping from b with keys in alphabetical order",
    )
    twice = base.duplicate("seq")
    yield case(
        "wire/codec/duplicate-key-001",
        "The pair seq: 1 repeated (map count 9); identical values are still a duplicate.",
        ("DuplicateKey",),
        twice.encode(),
        E.DECODE_DUPLICATE_KEY,
        f"@{twice.offset_of_entry(1)}",
        "ping from b with seq: 1 twice",
    )
    conflicting = base.duplicate("seq", uint(2))
    yield case(
        "wire/codec/duplicate-key-conflicting-001",
        "seq: 1 followed by seq: 2; first-wins and last-wins decoders would disagree.",
        ("DuplicateKey",),
        conflicting.encode(),
        E.DECODE_DUPLICATE_KEY,
        f"@{conflicting.offset_of_entry(1)}",
        "ping from b with seq: 1 then seq: 2",
    )
    int_key = base.insert_at(0, uint(0), uint(0))
    yield case(
        "wire/codec/int-map-key-001",
        "An extra pair with the integer key 0 at the front of the envelope map.",
        ("BadMapKey",),
        int_key.encode(),
        E.DECODE_BAD_MAP_KEY,
        "@1",
        "ping from b with an extra pair 0: 0",
    )
    bytes_key = base.rekey("seq", bstr(b"seq"))
    yield case(
        "wire/codec/bytes-map-key-001",
        "The key seq as a byte string h'736571' instead of a text string.",
        ("BadMapKey",),
        bytes_key.encode(),
        E.DECODE_BAD_MAP_KEY,
        "@1",
        "ping from b with the key h'736571'",
    )
    long_key = base.insert_sorted(tstr("key_of_twenty_four_bytes"), uint(0))
    yield case(
        "wire/codec/map-key-24-bytes-001",
        "An extra pair whose text key has 24 bytes, one more than the key discipline allows.",
        ("BadMapKey",),
        long_key.encode(),
        E.DECODE_BAD_MAP_KEY,
        f"@{long_key.offset_of_entry(len(long_key.entries) - 1)}",
        "ping from b with the key 'key_of_twenty_four_bytes'",
        EDGE,
    )
    key_23 = base.insert_sorted(tstr("key_of_twentythree_byte"), uint(0))
    yield case(
        "wire/codec/map-key-23-bytes-001",
        "An extra pair whose text key has 23 bytes: allowed by the profile, so the schema "
        "reports the unknown field.",
        ("UnknownField",),
        key_23.encode(),
        E.DECODE_UNKNOWN_FIELD,
        "key_of_twentythree_byte",
        "ping from b with the key 'key_of_twentythree_byte'",
        EDGE,
    )
    yield case(
        "wire/codec/trailing-byte-001",
        "A valid frame followed by one zero byte.",
        ("TrailingBytes",),
        control + b"\x00",
        E.DECODE_TRAILING_BYTES,
        f"@{len(control)}",
        "ping from b, then 0x00",
    )
    yield case(
        "wire/codec/trailing-frame-001",
        "Two valid frames concatenated; a frame holds exactly one item.",
        ("TrailingBytes",),
        control + control,
        E.DECODE_TRAILING_BYTES,
        f"@{len(control)}",
        "ping from b, twice in one frame",
    )
    yield case(
        "wire/codec/truncated-001",
        "A valid frame without its last byte (inside the sender_key byte string).",
        ("Truncated",),
        control[:-1],
        E.DECODE_MALFORMED,
        f"@{base.offset_of_value('sender_key')}",
        "ping from b, last byte cut",
    )
    key_at = base.offset_of_value("sender_key")
    yield case(
        "wire/codec/truncated-head-001",
        "A frame cut right after the 0x58 head of the last value: the head's argument is missing.",
        ("Truncated",),
        control[: key_at + 1],
        E.DECODE_MALFORMED,
        f"@{key_at}",
        "ping from b, cut inside the head of sender_key",
    )
    yield case(
        "wire/codec/empty-frame-001",
        "A frame of zero bytes.",
        ("Truncated",),
        b"",
        E.DECODE_MALFORMED,
        "@0",
        "an empty frame",
        EDGE,
    )
    yield case(
        "wire/codec/huge-map-count-001",
        "The envelope map's head claims 2**32-1 pairs; a decoder must not preallocate them.",
        ("Truncated",),
        head(5, 2**32 - 1) + base.body(),
        E.DECODE_MALFORMED,
        "@0",
        "ping from b under a map head of 2**32-1 pairs",
    )
    at_limit = base.replace("seq", nested_arrays(MAX_DEPTH - 1, uint(1)))
    yield case(
        "wire/codec/depth-at-limit-001",
        f"seq holds {MAX_DEPTH - 1} nested arrays: exactly {MAX_DEPTH} levels, allowed by the "
        "profile, so the schema reports the wrong type.",
        ("WrongType",),
        at_limit.encode(),
        E.DECODE_WRONG_TYPE,
        "seq",
        f"ping from b whose seq is {MAX_DEPTH - 1} nested arrays",
        EDGE,
    )
    yield from _size_cases(base, control)


def _padded(base: RawMap, total: int) -> bytes:
    """``base`` with an extra ``padding`` byte string making the frame exactly ``total`` bytes."""
    empty = base.insert_sorted(tstr("padding"), bstr(b"", 2)).encode()
    frame = base.insert_sorted(tstr("padding"), bstr(bytes(total - len(empty)), 2)).encode()
    if len(frame) != total:
        raise CaseError(f"padding produced {len(frame)} bytes, wanted {total}")
    return frame


def _size_cases(base: RawMap, control: bytes) -> Iterable[Trace]:
    yield reject_frame(
        CODEC,
        "wire/codec/oversized-frame-001",
        f"A frame of {MAX_FRAME_BYTES + 1} bytes (a valid envelope plus a padding field); the "
        "size limit is checked before any byte is parsed.",
        ("OversizedFrame",),
        _padded(base, MAX_FRAME_BYTES + 1),
        E.DECODE_TOO_LARGE,
        "@0",
        control=control,
        note=f"ping from b padded to {MAX_FRAME_BYTES + 1} bytes",
    )
    yield reject_frame(
        CODEC,
        "wire/codec/frame-at-size-limit-001",
        f"A frame of exactly {MAX_FRAME_BYTES} bytes (the limit is inclusive): it is parsed, "
        "and the padding field is unknown.",
        ("UnknownField",),
        _padded(base, MAX_FRAME_BYTES),
        E.DECODE_UNKNOWN_FIELD,
        "padding",
        control=control,
        note=f"ping from b padded to {MAX_FRAME_BYTES} bytes",
        tags=EDGE,
    )


# --------------------------------------------------------------------------------------------
# Envelope schema, routing fields and authentication


def envelope_schema_cases() -> Iterable[Trace]:
    b = identity("b")
    base = standard_envelope()
    control = base.encode()

    def case(
        case_id: str,
        description: str,
        flags: tuple[str, ...],
        frame: bytes,
        error: E.ErrorCode,
        field: str,
        note: str,
        tags: tuple[Tag, ...] = ATTACK,
    ) -> Trace:
        return reject_frame(
            ENVELOPE,
            case_id,
            description,
            flags,
            frame,
            error,
            field,
            control=control,
            note=note,
            tags=tags,
        )

    def signed(
        *, seq: int = 1, protocol: str = PROTOCOL, type_: str = "ping", version: int = WIRE_VERSION
    ) -> bytes:
        """The standard ping envelope with some fields changed, signed over them."""
        fields = envelope_fields(
            b, ping_body(), seq, protocol=protocol, type_=type_, version=version
        )
        return enc(fields)

    yield case(
        "wire/envelope/unknown-field-001",
        "An extra envelope field 'extra': 0 in its sorted place; the signature still verifies, "
        "since unknown fields are not signed.",
        ("UnknownField",),
        base.insert_sorted(tstr("extra"), uint(0)).encode(),
        E.DECODE_UNKNOWN_FIELD,
        "extra",
        "ping from b with an extra field",
    )
    yield case(
        "wire/envelope/missing-seq-001",
        "The envelope without its seq field.",
        ("MissingField",),
        base.drop("seq").encode(),
        E.DECODE_MISSING_FIELD,
        "seq",
        "ping from b without seq",
    )
    yield case(
        "wire/envelope/missing-signature-001",
        "The envelope without its signature field (an unsigned message).",
        ("MissingField",),
        base.drop("signature").encode(),
        E.DECODE_MISSING_FIELD,
        "signature",
        "ping from b without a signature",
    )
    yield case(
        "wire/envelope/seq-as-text-001",
        "seq as the text string '1'.",
        ("WrongType",),
        base.replace("seq", tstr("1")).encode(),
        E.DECODE_WRONG_TYPE,
        "seq",
        "ping from b whose seq is '1'",
    )
    yield case(
        "wire/envelope/version-as-bool-001",
        "version as true (0xf5), which some languages equate with the integer 1.",
        ("WrongType",),
        base.replace("version", b"\xf5").encode(),
        E.DECODE_WRONG_TYPE,
        "version",
        "ping from b whose version is true",
        EDGE,
    )
    yield case(
        "wire/envelope/body-as-map-001",
        "The body as an inline map instead of a byte string holding the map's encoding.",
        ("WrongType",),
        base.replace("body", enc(ping_value())).encode(),
        E.DECODE_WRONG_TYPE,
        "body",
        "ping from b with an inline body",
    )
    yield case(
        "wire/envelope/sender-15-bytes-001",
        "A sender id of 15 bytes (node ids have 16).",
        ("OutOfRange",),
        base.replace("sender", bstr(b.node_id[:15])).encode(),
        E.DECODE_OUT_OF_RANGE,
        "sender",
        "ping from b with a 15-byte sender",
    )
    yield case(
        "wire/envelope/sender-key-33-bytes-001",
        "A sender key of 33 bytes (Ed25519 keys have 32).",
        ("OutOfRange",),
        base.replace("sender_key", bstr(b.public_key + b"\x00")).encode(),
        E.DECODE_OUT_OF_RANGE,
        "sender_key",
        "ping from b with a 33-byte key",
    )
    signature = decoded_bytes(base, "signature")
    yield case(
        "wire/envelope/signature-63-bytes-001",
        "A signature of 63 bytes (Ed25519 signatures have 64).",
        ("OutOfRange",),
        base.replace("signature", bstr(signature[:63])).encode(),
        E.DECODE_OUT_OF_RANGE,
        "signature",
        "ping from b with a 63-byte signature",
    )
    yield case(
        "wire/envelope/seq-above-u63-001",
        "seq 2**63, one above the largest sequence number, correctly signed.",
        ("OutOfRange",),
        signed(seq=U63_MAX + 1),
        E.DECODE_OUT_OF_RANGE,
        "seq",
        "ping from b with seq 2**63",
        EDGE,
    )
    yield case(
        "wire/envelope/negative-seq-001",
        "seq -1, correctly signed.",
        ("OutOfRange",),
        signed(seq=-1),
        E.DECODE_OUT_OF_RANGE,
        "seq",
        "ping from b with seq -1",
    )
    yield case(
        "wire/envelope/protocol-bad-name-001",
        "The protocol name 'Wire' (names are lowercase), correctly signed.",
        ("OutOfRange",),
        signed(protocol="Wire"),
        E.DECODE_BAD_VALUE,
        "protocol",
        "ping from b for protocol 'Wire'",
    )
    yield case(
        "wire/envelope/type-bad-name-001",
        "The message type 'ping!' (outside the type-name pattern), correctly signed.",
        ("OutOfRange",),
        signed(type_="ping!"),
        E.DECODE_BAD_VALUE,
        "type",
        "ping from b of type 'ping!'",
    )
    yield case(
        "wire/envelope/unsupported-version-001",
        "Wire version 2, signed as version 2: authentic, but not a version v1 speaks.",
        ("UnsupportedVersion",),
        signed(version=2),
        E.ENVELOPE_UNSUPPORTED_VERSION,
        "version",
        "ping from b in wire version 2",
    )
    v2 = RawMap.canonical(envelope_fields(b, ping_body(), 1, version=2))
    v2_shape = v2.drop("sender_key").insert_sorted(tstr("key_id"), bstr(b.node_id[:8]))
    yield case(
        "wire/envelope/future-version-shape-001",
        "A version 2 envelope of another shape (no sender_key, an unknown key_id): the version "
        "is checked before the v1 schema, so the code is unsupported_version.",
        ("UnsupportedVersion",),
        v2_shape.encode(),
        E.ENVELOPE_UNSUPPORTED_VERSION,
        "version",
        "a version 2 envelope from b without sender_key",
        EDGE,
    )
    yield case(
        "wire/envelope/version-zero-001",
        "Wire version 0, signed as version 0.",
        ("UnsupportedVersion",),
        signed(version=0),
        E.ENVELOPE_UNSUPPORTED_VERSION,
        "version",
        "ping from b in wire version 0",
        EDGE,
    )
    yield case(
        "wire/envelope/unknown-protocol-001",
        "The well-formed protocol name 'teleport', which the spec does not define; signed.",
        ("UnknownProtocol",),
        signed(protocol="teleport"),
        E.ENVELOPE_UNKNOWN_PROTOCOL,
        "protocol",
        "a 'ping' of protocol 'teleport' from b",
    )
    yield case(
        "wire/envelope/protocol-not-spoken-001",
        "Protocol 'auction', which a node of the wire role does not speak; signed.",
        ("UnknownProtocol",),
        signed(protocol="auction"),
        E.ENVELOPE_UNKNOWN_PROTOCOL,
        "protocol",
        "a 'ping' of protocol 'auction' from b",
    )
    yield case(
        "wire/envelope/unknown-type-001",
        "The message type 'pang', which the wire protocol does not define; signed.",
        ("UnknownType",),
        signed(type_="pang"),
        E.ENVELOPE_UNKNOWN_TYPE,
        "type",
        "a wire 'pang' from b",
    )


def auth_cases() -> Iterable[Trace]:
    b, c, mallory = identity("b"), identity("c"), identity("mallory")
    body = ping_body()
    control = ping_frame(b, 2)

    def case(
        case_id: str,
        description: str,
        flags: tuple[str, ...],
        fields: dict[str, cbor.Value],
        error: E.ErrorCode,
        field: str,
        note: str,
        tags: tuple[Tag, ...] = ATTACK,
    ) -> Trace:
        return reject_frame(
            ENVELOPE,
            case_id,
            description,
            flags,
            enc(fields),
            error,
            field,
            control=control,
            note=note,
            tags=tags,
        )

    def signature_over(
        *,
        protocol: str = PROTOCOL,
        version: int = WIRE_VERSION,
        type_: str = "ping",
        sender: bytes = b.node_id,
        seq: int = 2,
    ) -> bytes:
        """b's signature over the standard body in a context that differs from the envelope's."""
        return sign_items(
            b, protocol=protocol, version=version, type_=type_, sender=sender, seq=seq, body=body
        )

    good = envelope_fields(b, body, 2)
    sig = signature_over()

    def flipped(index: int, bit: int) -> bytes:
        raw = bytearray(sig)
        raw[index] ^= 1 << bit
        return bytes(raw)

    yield case(
        "wire/auth/wrong-key-001",
        "mallory claims b's node id: the frame carries mallory's key and mallory's valid "
        "signature, but SHA-256(key)[0:16] is not b's id.",
        ("WrongKey",),
        envelope_fields(mallory, body, 2, sender=b.node_id),
        E.AUTH_WRONG_KEY,
        "sender_key",
        "ping claiming to be from b, signed by mallory",
    )
    yield case(
        "wire/auth/bit-flip-r-001",
        "One bit flipped in the R half of b's signature (byte 10, bit 2).",
        ("BadSignature",),
        {**good, "signature": flipped(10, 2)},
        E.AUTH_BAD_SIGNATURE,
        "signature",
        "ping from b with a flipped signature bit",
    )
    yield case(
        "wire/auth/bit-flip-s-001",
        "One bit flipped in the S half of b's signature (byte 40, bit 0).",
        ("BadSignature",),
        {**good, "signature": flipped(40, 0)},
        E.AUTH_BAD_SIGNATURE,
        "signature",
        "ping from b with a flipped signature bit",
    )
    yield case(
        "wire/auth/signature-by-other-key-001",
        "A signature by c over b's exact signing input, under b's id and key.",
        ("BadSignature",),
        envelope_fields(
            b,
            body,
            2,
            signature=c.sign(
                cbor.encode(signing_input_items(PROTOCOL, WIRE_VERSION, "ping", b.node_id, 2, body))
            ),
        ),
        E.AUTH_BAD_SIGNATURE,
        "signature",
        "ping from b signed with c's key",
    )
    yield case(
        "wire/auth/zero-signature-001",
        "A signature of 64 zero bytes.",
        ("BadSignature",),
        {**good, "signature": bytes(64)},
        E.AUTH_BAD_SIGNATURE,
        "signature",
        "ping from b with an all-zero signature",
        EDGE,
    )
    yield case(
        "wire/auth/body-tampered-001",
        "b's signed ping with its body replaced by another valid ping body (other nonce).",
        ("BadSignature",),
        {**good, "body": ping_body(nonce=b"nonce-x1")},
        E.AUTH_BAD_SIGNATURE,
        "signature",
        "ping from b whose body was swapped after signing",
    )
    yield case(
        "wire/auth/signature-for-other-seq-001",
        "b's valid signature for seq 1 on an envelope that says seq 2.",
        ("SignatureForOtherContext",),
        {**good, "signature": signature_over(seq=1)},
        E.AUTH_BAD_SIGNATURE,
        "signature",
        "ping from b, seq 2, carrying the signature of seq 1",
    )
    yield case(
        "wire/auth/signature-for-other-type-001",
        "b's valid signature over the same body bytes labelled type 'pong'; the envelope says "
        "'ping' (domain separation by message type).",
        ("SignatureForOtherContext",),
        {**good, "signature": signature_over(type_="pong")},
        E.AUTH_BAD_SIGNATURE,
        "signature",
        "ping from b signed as a pong",
    )
    yield case(
        "wire/auth/signature-for-other-protocol-001",
        "b's valid signature over the same message labelled protocol 'auction' (domain "
        "separation by protocol).",
        ("SignatureForOtherContext",),
        {**good, "signature": signature_over(protocol="auction")},
        E.AUTH_BAD_SIGNATURE,
        "signature",
        "ping from b signed for protocol 'auction'",
    )
    yield case(
        "wire/auth/signature-for-other-version-001",
        "b's valid signature over the same message labelled wire version 2.",
        ("SignatureForOtherContext",),
        {**good, "signature": signature_over(version=2)},
        E.AUTH_BAD_SIGNATURE,
        "signature",
        "ping from b signed as wire version 2",
    )
    yield case(
        "wire/auth/signature-for-other-sender-001",
        "b's valid signature over the signing input with c's id as sender.",
        ("SignatureForOtherContext",),
        {**good, "signature": signature_over(sender=c.node_id)},
        E.AUTH_BAD_SIGNATURE,
        "signature",
        "ping from b signed as if sent by c",
    )
    yield case(
        "wire/auth/signature-over-body-only-001",
        "b's valid signature over the body bytes alone, with no signing context at all.",
        ("SignatureForOtherContext",),
        {**good, "signature": b.sign(body)},
        E.AUTH_BAD_SIGNATURE,
        "signature",
        "ping from b signed over its body only",
    )
    items = signing_input_items(PROTOCOL, WIRE_VERSION, "ping", b.node_id, 2, body)
    if items[0] != SIGNING_CONTEXT:
        raise CaseError("signing input no longer starts with the signing context")
    yield case(
        "wire/auth/signature-without-context-001",
        f"b's valid signature over the signing input without its first element "
        f"'{SIGNING_CONTEXT}'.",
        ("SignatureForOtherContext",),
        {**good, "signature": b.sign(cbor.encode(items[1:]))},
        E.AUTH_BAD_SIGNATURE,
        "signature",
        "ping from b signed without the signing context",
    )


def body_cases() -> Iterable[Trace]:
    """Defects inside the body byte string, signed over the exact body bytes received."""
    base = RawMap.canonical(ping_value())
    control = body_frame(base.encode())

    def case(
        case_id: str,
        description: str,
        flags: tuple[str, ...],
        body: bytes,
        error: E.ErrorCode,
        field: str,
        note: str,
        tags: tuple[Tag, ...] = ATTACK,
    ) -> Trace:
        return reject_frame(
            ENVELOPE,
            case_id,
            description,
            flags,
            body_frame(body),
            error,
            field,
            control=control,
            note=note,
            tags=tags,
        )

    signed = " The signature covers these exact body bytes."
    long_sent_at = base.replace("sent_at", uint(SENT_AT_B, 1))
    yield case(
        "wire/body/non-shortest-integer-001",
        "The ping body's sent_at 5 encoded as 0x18 0x05." + signed,
        ("NonShortestInteger",),
        long_sent_at.encode(),
        E.DECODE_NON_CANONICAL,
        f"body@{long_sent_at.offset_of_value('sent_at')}",
        "ping from b whose body has a non-shortest sent_at",
    )
    long_nonce = base.replace("nonce", bstr(NONCE_B, 1))
    yield case(
        "wire/body/non-shortest-length-001",
        "The ping body's nonce length 8 in a one-byte argument (0x58 0x08)." + signed,
        ("NonShortestInteger",),
        long_nonce.encode(),
        E.DECODE_NON_CANONICAL,
        f"body@{long_nonce.offset_of_value('nonce')}",
        "ping from b whose body has a non-shortest nonce length",
    )
    swapped = base.swap("nonce", "sent_at")
    yield case(
        "wire/body/unsorted-keys-001",
        "The ping body with sent_at before nonce." + signed,
        ("UnsortedKeys",),
        swapped.encode(),
        E.DECODE_UNSORTED_KEYS,
        f"body@{swapped.offset_of_key('nonce')}",
        "ping from b whose body keys are out of order",
    )
    twice = base.duplicate("nonce")
    yield case(
        "wire/body/duplicate-key-001",
        "The ping body with the nonce pair twice." + signed,
        ("DuplicateKey",),
        twice.encode(),
        E.DECODE_DUPLICATE_KEY,
        f"body@{twice.offset_of_entry(1)}",
        "ping from b whose body repeats nonce",
    )
    yield case(
        "wire/body/indefinite-map-001",
        "The ping body as an indefinite-length map." + signed,
        ("IndefiniteLength",),
        base.encode_indefinite(),
        E.DECODE_INDEFINITE_LENGTH,
        "body@0",
        "ping from b whose body is an indefinite-length map",
    )
    yield case(
        "wire/body/trailing-bytes-001",
        "The ping body followed by a zero byte inside the body byte string." + signed,
        ("TrailingBytes",),
        base.encode() + b"\x00",
        E.DECODE_TRAILING_BYTES,
        f"body@{len(base.encode())}",
        "ping from b whose body has a trailing byte",
    )
    floated = base.replace("sent_at", float16(float(SENT_AT_B)))
    yield case(
        "wire/body/float-integer-001",
        "The ping body's sent_at as the half float 5.0." + signed,
        ("FloatForInteger",),
        floated.encode(),
        E.DECODE_UNSUPPORTED_TYPE,
        f"body@{floated.offset_of_value('sent_at')}",
        "ping from b whose sent_at is a float",
    )
    yield case(
        "wire/body/empty-001",
        "An empty body byte string." + signed,
        ("Truncated",),
        b"",
        E.DECODE_MALFORMED,
        "body@0",
        "ping from b with an empty body",
        EDGE,
    )
    yield case(
        "wire/body/unknown-field-001",
        "The ping body with an extra field 'extra': 0." + signed,
        ("UnknownField",),
        base.insert_sorted(tstr("extra"), uint(0)).encode(),
        E.DECODE_UNKNOWN_FIELD,
        "body.extra",
        "ping from b whose body has an extra field",
    )
    yield case(
        "wire/body/missing-field-001",
        "The ping body without sent_at." + signed,
        ("MissingField",),
        base.drop("sent_at").encode(),
        E.DECODE_MISSING_FIELD,
        "body.sent_at",
        "ping from b whose body lacks sent_at",
    )
    yield case(
        "wire/body/wrong-type-001",
        "The ping body's nonce as the text string 'nonce-b1'." + signed,
        ("WrongType",),
        base.replace("nonce", tstr(NONCE_B.decode())).encode(),
        E.DECODE_WRONG_TYPE,
        "body.nonce",
        "ping from b whose nonce is text",
    )
    yield case(
        "wire/body/not-a-map-001",
        "A body holding the array [nonce, sent_at] instead of a map." + signed,
        ("WrongType",),
        enc((NONCE_B, SENT_AT_B)),
        E.DECODE_WRONG_TYPE,
        "body",
        "ping from b whose body is an array",
    )
    yield case(
        "wire/body/nonce-7-bytes-001",
        "The ping body's nonce of 7 bytes (nonces have 8)." + signed,
        ("OutOfRange",),
        base.replace("nonce", bstr(NONCE_B[:7])).encode(),
        E.DECODE_OUT_OF_RANGE,
        "body.nonce",
        "ping from b with a 7-byte nonce",
    )
    yield case(
        "wire/body/sent-at-above-u63-001",
        "The ping body's sent_at 2**63, one above the largest tick." + signed,
        ("OutOfRange",),
        base.replace("sent_at", uint(U63_MAX + 1)).encode(),
        E.DECODE_OUT_OF_RANGE,
        "body.sent_at",
        "ping from b with sent_at 2**63",
        EDGE,
    )
    yield case(
        "wire/body/negative-integer-001",
        "The ping body's sent_at -1." + signed,
        ("OutOfRange",),
        base.replace("sent_at", nint(-1)).encode(),
        E.DECODE_OUT_OF_RANGE,
        "body.sent_at",
        "ping from b with sent_at -1",
    )


def replay_cases() -> Iterable[Trace]:
    b, c = identity("b"), identity("c")

    case = Case(
        ENVELOPE,
        "wire/replay/same-frame-twice-001",
        "b's ping is accepted and answered; the identical frame delivered again is a replay.",
        ATTACK,
        ("StaleSequence",),
    )
    frame = ping_frame(b, 1)
    case.deliver(frame, "b", "ping from b, seq 1")
    case.deliver(frame, "b", "the same frame again", error=E.REPLAY_STALE_SEQUENCE, field="seq")
    yield case.trace()

    case = Case(
        ENVELOPE,
        "wire/replay/lower-seq-001",
        "After b's seq 5, a fresh, validly signed ping from b with seq 3 is stale.",
        ATTACK,
        ("StaleSequence",),
    )
    case.deliver(ping_frame(b, 5), "b", "ping from b, seq 5")
    case.deliver(
        ping_frame(b, 3, nonce=b"nonce-b3"),
        "b",
        "ping from b, seq 3",
        error=E.REPLAY_STALE_SEQUENCE,
        field="seq",
        control=ping_frame(b, 6, nonce=b"nonce-b3"),
    )
    yield case.trace()

    case = Case(
        ENVELOPE,
        "wire/replay/equal-seq-new-content-001",
        "After b's seq 5, another validly signed ping from b reusing seq 5 (new nonce) is stale.",
        EDGE,
        ("StaleSequence",),
    )
    case.deliver(ping_frame(b, 5), "b", "ping from b, seq 5")
    case.deliver(
        ping_frame(b, 5, nonce=b"nonce-b5"),
        "b",
        "another ping from b, seq 5",
        error=E.REPLAY_STALE_SEQUENCE,
        field="seq",
        control=ping_frame(b, 6, nonce=b"nonce-b5"),
    )
    yield case.trace()

    case = Case(
        ENVELOPE,
        "wire/replay/other-link-001",
        "b's accepted ping replayed over the link from c: the window is keyed by the "
        "authenticated sender, not by the link it arrived on.",
        ATTACK,
        ("StaleSequence",),
    )
    frame = ping_frame(b, 1)
    case.deliver(frame, "b", "ping from b, seq 1")
    case.deliver(
        frame, "c", "the same frame, relayed by c", error=E.REPLAY_STALE_SEQUENCE, field="seq"
    )
    yield case.trace()

    case = Case(
        ENVELOPE,
        "wire/replay/rejected-keeps-window-001",
        "An unsolicited pong from b with seq 7 is refused and must not advance b's window: "
        "b's ping with seq 7 is then accepted.",
        EDGE,
        ("UnexpectedMessage",),
    )
    case.deliver(
        pong_frame(b, 7, b"nonce-a1", 1),
        "b",
        "unsolicited pong from b, seq 7",
        error=E.MACHINE_GUARD_REJECTED,
        field="message:pong",
    )
    case.deliver(ping_frame(b, 7), "b", "ping from b, seq 7")
    yield case.trace()

    case = Case(
        ENVELOPE,
        "wire/replay/forgery-keeps-window-001",
        "A forged frame claiming b's seq 9 (bad signature) is refused and must not advance b's "
        "window: b's genuine seq 9 is then accepted.",
        EDGE,
        ("BadSignature",),
    )
    forged = envelope_fields(b, ping_body(), 9, signature=c.sign(b"forged"))
    case.deliver(enc(forged), "c", "forged ping in b's name, seq 9", error=E.AUTH_BAD_SIGNATURE)
    case.deliver(ping_frame(b, 9), "b", "genuine ping from b, seq 9")
    yield case.trace()


# --------------------------------------------------------------------------------------------
# The machine: commands, pongs and pings, accepted and refused


def machine_cases() -> Iterable[Trace]:
    b, c = identity("b"), identity("c")

    case = Case(
        EXCHANGE,
        "wire/machine/unsolicited-pong-001",
        "A validly signed pong from b when a has no ping pending.",
        ATTACK,
        ("UnexpectedMessage",),
    )
    case.deliver(
        pong_frame(b, 1, NONCE_B, 1),
        "b",
        "pong from b, nothing pending",
        error=E.MACHINE_GUARD_REJECTED,
        field="message:pong",
    )
    yield case.trace()

    case = Case(
        EXCHANGE,
        "wire/machine/pong-wrong-nonce-001",
        "a pings b with nonce-a1; b's pong echoes nonce-a2.",
        ATTACK,
        ("UnexpectedMessage",),
    )
    case.ping("b", b"nonce-a1", "ping b with nonce-a1")
    case.deliver(
        pong_frame(b, 1, b"nonce-a2", 1),
        "b",
        "pong from b for nonce-a2",
        error=E.MACHINE_GUARD_REJECTED,
        control=pong_frame(b, 1, b"nonce-a1", 1),
    )
    yield case.trace()

    case = Case(
        EXCHANGE,
        "wire/machine/pong-from-other-peer-001",
        "a pings b; c answers with b's nonce. A pong counts only from the peer pinged.",
        ATTACK,
        ("UnexpectedMessage",),
    )
    case.ping("b", b"nonce-a1", "ping b with nonce-a1")
    case.deliver(
        pong_frame(c, 1, b"nonce-a1", 1),
        "c",
        "pong from c for b's nonce",
        error=E.MACHINE_GUARD_REJECTED,
    )
    yield case.trace()

    case = Case(
        EXCHANGE,
        "wire/machine/pong-twice-001",
        "a pings b and accepts b's pong; a second pong from b (fresh seq, same nonce) finds "
        "nothing pending.",
        ATTACK,
        ("UnexpectedMessage",),
    )
    case.ping("b", b"nonce-a1", "ping b with nonce-a1")
    case.deliver(pong_frame(b, 1, b"nonce-a1", 1), "b", "pong from b, seq 1")
    case.deliver(
        pong_frame(b, 2, b"nonce-a1", 1),
        "b",
        "pong from b again, seq 2",
        error=E.MACHINE_GUARD_REJECTED,
    )
    yield case.trace()

    to_b = encode_message(PingCommand(to=b.node_id, nonce=b"nonce-a1"))
    case = Case(
        EXCHANGE,
        "wire/machine/duplicate-ping-command-001",
        "The application asks a to ping b with nonce-a1 twice while the first is unanswered.",
        EDGE,
        ("UnexpectedMessage",),
    )
    case.ping("b", b"nonce-a1", "ping b with nonce-a1")
    case.command(
        "ping",
        to_b,
        "ping b with nonce-a1 again",
        error=E.MACHINE_GUARD_REJECTED,
        field="command:ping",
        control=encode_message(PingCommand(to=b.node_id, nonce=b"nonce-a2")),
    )
    yield case.trace()

    case = Case(
        EXCHANGE,
        "wire/machine/pending-limit-001",
        f"a sends {MAX_PENDING} pings to b, the most it may have unanswered; the next ping "
        "command is refused.",
        EDGE,
        ("UnexpectedMessage",),
    )
    for i in range(MAX_PENDING):
        case.ping(
            "b",
            f"nonce{i:03d}".encode(),
            f"ping b with nonce{i:03d}",
            record_state=i in (0, MAX_PENDING - 1),
        )
    case.command(
        "ping",
        encode_message(PingCommand(to=c.node_id, nonce=b"nonce-c1")),
        f"ping c: the {MAX_PENDING + 1}th unanswered ping",
        error=E.MACHINE_GUARD_REJECTED,
        field="command:ping",
    )
    yield case.trace()

    case = Case(
        EXCHANGE,
        "wire/machine/unknown-command-001",
        "The local command 'pong', which the wire role does not define.",
        ATTACK,
        ("UnexpectedMessage",),
    )
    case.peer("b")
    case.command(
        "pong",
        to_b,
        "command 'pong'",
        error=E.MACHINE_NO_TRANSITION,
        field="command:pong",
    )
    yield case.trace()

    case = Case(
        EXCHANGE,
        "wire/machine/timer-not-running-001",
        "The timer 'retry' fires, but a wire node never starts a timer.",
        ATTACK,
        ("UnexpectedMessage",),
    )
    case.step(
        FireTimer(kind="timer", name="retry"),
        "timer 'retry' fires",
        error=E.MACHINE_NO_TRANSITION,
        field="timer:retry",
    )
    yield case.trace()

    args = RawMap.canonical(to_value(PingCommand(to=b.node_id, nonce=b"nonce-a1")))

    def command_case(
        case_id: str,
        description: str,
        flags: tuple[str, ...],
        raw: bytes,
        error: E.ErrorCode,
        field: str,
    ) -> Trace:
        case = Case(EXCHANGE, case_id, description, ATTACK, flags)
        case.peer("b")
        case.command("ping", raw, "command 'ping'", error=error, field=field, control=to_b)
        return case.trace()

    long_nonce = args.replace("nonce", bstr(b"nonce-a1", 1))
    yield command_case(
        "wire/machine/command-args-non-canonical-001",
        "The ping command's arguments with the nonce length in a one-byte argument: command "
        "arguments are deterministic CBOR too.",
        ("NonShortestInteger",),
        long_nonce.encode(),
        E.DECODE_NON_CANONICAL,
        f"args@{long_nonce.offset_of_value('nonce')}",
    )
    yield command_case(
        "wire/machine/command-args-unknown-field-001",
        "The ping command's arguments with an extra field 'extra': 0.",
        ("UnknownField",),
        args.insert_sorted(tstr("extra"), uint(0)).encode(),
        E.DECODE_UNKNOWN_FIELD,
        "args.extra",
    )
    yield command_case(
        "wire/machine/command-args-short-id-001",
        "The ping command's 'to' of 15 bytes.",
        ("OutOfRange",),
        args.replace("to", bstr(b.node_id[:15])).encode(),
        E.DECODE_OUT_OF_RANGE,
        "args.to",
    )


def exchange_cases() -> Iterable[Trace]:
    """Positive cases: what a wire node must do with good input."""
    case = Case(
        EXCHANGE, "wire/ping/answer-001", "a answers b's ping with a pong to b.", ("positive",)
    )
    b = case.remote("b")
    ping = b.ping(case.node_id, b"nonce-b1", 3)
    case.deliver(ping, "b", "ping from b, seq 1", at=3)
    yield case.trace()

    case = Case(
        EXCHANGE,
        "wire/ping/send-001",
        "The ping command makes a send a ping to b and remember it as pending.",
        ("positive",),
    )
    case.peer("b")
    case.ping("b", b"nonce-a1", "ping b with nonce-a1")
    yield case.trace()

    case = Case(
        EXCHANGE,
        "wire/ping/round-trip-001",
        "a pings b (a reference node), b's pong is accepted and clears the pending ping.",
        ("positive",),
    )
    b = case.remote("b")
    sent = case.ping("b", b"nonce-a1", "ping b with nonce-a1")
    pong = b.receive(sent, case.node_id, 2)
    case.deliver(pong, "b", "b's pong", at=4)
    yield case.trace()

    case = Case(
        EXCHANGE,
        "wire/ping/answer-via-relay-001",
        "b's ping arrives over the link from c; the pong goes to the signer b, not to the link.",
        ("positive", "edge"),
    )
    b = case.remote("b")
    case.peer("c")
    case.deliver(b.ping(case.node_id, b"nonce-b1", 1), "c", "b's ping, relayed by c")
    yield case.trace()

    case = Case(
        EXCHANGE,
        "wire/ping/seq-boundaries-001",
        "Sequence numbers are accepted at their encoding boundaries and may jump: b sends seq "
        "0, 23, 24, 255, 256, 65536 and 2**63-1.",
        ("positive", "edge"),
    )
    b_id = case.peer("b")
    for seq in (0, 23, 24, 255, 256, 65_536, U63_MAX):
        case.deliver(ping_frame(b_id, seq, nonce=b"nonce-b1"), "b", f"ping from b, seq {seq}")
    yield case.trace()

    case = Case(
        EXCHANGE,
        "wire/ping/windows-per-sender-001",
        "Replay windows are per sender: c's seq 1 is fresh after b's seq 5.",
        ("positive", "edge"),
    )
    case.deliver(ping_frame(case.peer("b"), 5), "b", "ping from b, seq 5")
    case.deliver(ping_frame(case.peer("c"), 1), "c", "ping from c, seq 1")
    yield case.trace()

    case = Case(
        EXCHANGE,
        "wire/ping/same-nonce-two-peers-001",
        "a may have the same nonce pending with two different peers.",
        ("positive", "edge"),
    )
    case.ping("b", b"nonce-a1", "ping b with nonce-a1")
    case.ping("c", b"nonce-a1", "ping c with nonce-a1")
    yield case.trace()

    case = Case(
        EXCHANGE,
        "wire/ping/nonce-reuse-after-pong-001",
        "Once b's pong has answered nonce-a1, a may ping b with nonce-a1 again.",
        ("positive", "edge"),
    )
    b = case.remote("b")
    sent = case.ping("b", b"nonce-a1", "ping b with nonce-a1")
    case.deliver(b.receive(sent, case.node_id, 1), "b", "b's pong")
    case.ping("b", b"nonce-a1", "ping b with nonce-a1 again")
    yield case.trace()

    yield _conversation()


def _conversation() -> Trace:
    """Several peers, interleaved: a's seq counter, b/c/d's windows and a's pending set."""
    case = Case(
        EXCHANGE,
        "wire/ping/conversation-001",
        "a talks to b, c and d at once: pings out, pings in, pongs both ways, out of order.",
        ("positive",),
    )
    b, c, d = case.remote("b"), case.remote("c"), case.remote("d")
    a_id = case.node_id
    to_b = case.ping("b", b"nonce-a1", "ping b with nonce-a1")
    to_c = case.ping("c", b"nonce-a2", "ping c with nonce-a2")
    (pong_to_d,) = case.deliver(d.ping(a_id, b"nonce-d1", 3), "d", "ping from d")
    d.accept(pong_to_d.frame, a_id, 4)
    to_d = case.ping("d", b"nonce-a3", "ping d with nonce-a3")
    case.deliver(c.receive(to_c, a_id, 5), "c", "c answers nonce-a2 before b answers")
    case.deliver(b.ping(a_id, b"nonce-b1", 6), "b", "ping from b while a waits for b")
    case.deliver(b.receive(to_b, a_id, 7), "b", "b answers nonce-a1")
    case.deliver(c.ping(a_id, b"nonce-c1", 8), "c", "ping from c")
    case.deliver(d.receive(to_d, a_id, 9), "d", "d answers nonce-a3")
    case.ping("b", b"nonce-a4", "ping b again, nothing else pending")
    return case.trace()


def codec_traces() -> Iterable[Trace]:
    yield from value_edit_cases()
    yield from structure_cases()


def envelope_traces() -> Iterable[Trace]:
    yield from envelope_schema_cases()
    yield from auth_cases()
    yield from body_cases()
    yield from replay_cases()


def exchange_traces() -> Iterable[Trace]:
    yield from machine_cases()
    yield from exchange_cases()


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
