"""Refusals in the ``overlay`` protocol: signed messages ``a`` must not act on.

Node references forged in another node's name, table entries that do not fit
where they are offered, answers to nothing ``a`` asked; join states for
another join or in another's name, an over-long leaf list; commands the
node's state does not allow, and a timer fired before it is due.
"""

from collections.abc import Iterator

from reference import cbor
from reference.codec import encode_message, to_value
from reference.corpus.mutations import enc
from reference.corpus.overlay_casekit import (
    ATTACK,
    EDGE,
    JOIN_NONCE,
    LOOKUP_NONCE,
    CaseError,
    OverlayCase,
    identity,
    join_state,
    nonce_of,
    ref,
    ring,
)
from reference.corpus.wire_frames import envelope_fields
from spec.v1 import errors as E
from spec.v1.base import WireModel
from spec.v1.overlay import NodeRef
from spec.v1.overlay.commands import CreateRingCommand, JoinCommand, LeaveCommand, LookupCommand
from spec.v1.overlay.constants import TIMER_PROBE
from spec.v1.overlay.messages import (
    Announce,
    Departure,
    LeafRequest,
    LeafUpdate,
    LookupReply,
    RouteAck,
    RowReply,
    RowRequest,
    RowState,
    RowSync,
)
from spec.v1.trace import Generator, Trace
from spec.v1.wire import Ping, Pong


def refusal_cases(g: Generator) -> Iterator[Trace]:
    key_b = identity("b").node_id

    def refused(
        case_id: str,
        description: str,
        flags: tuple[str, ...],
        sender: str,
        body: WireModel,
        control: WireModel | None,
        *,
        peers: tuple[str, ...] = ("b", "c"),
        error: E.ErrorCode = E.MACHINE_GUARD_REJECTED,
        field: str | None = None,
    ) -> Trace:
        case = OverlayCase(g, case_id, description, ATTACK, flags)
        ring(case, *peers)
        peer = case.peer(sender)
        seq = peer.seq + 1
        case.deliver(
            peer.frame(body, seq=seq),
            sender,
            f"{sender}'s {type(body).__name__}",
            error=error,
            field=field,
            control=None if control is None else peer.frame(control, seq=seq),
        )
        return case.trace()

    yield refused(
        "overlay/attack/announce-forged-001",
        "b announces with c's id in its node reference.",
        ("ForgedReference",),
        "b",
        Announce(node=NodeRef(id=identity("c").node_id, x=1, y=1), leaf=()),
        Announce(node=ref("b"), leaf=()),
        peers=(),
    )
    yield refused(
        "overlay/attack/leaf-update-forged-001",
        "b sends a leaf update naming c as its sender.",
        ("ForgedReference",),
        "b",
        LeafUpdate(node=ref("c"), leaf=()),
        LeafUpdate(node=ref("b"), leaf=()),
    )
    yield refused(
        "overlay/attack/row-reply-misfit-001",
        "c offers e for a's routing-table slot (0, 3), where only ids starting with 3 fit.",
        ("Misrouted",),
        "c",
        RowReply(row=0, column=3, entry=ref("e")),
        RowReply(row=0, column=3, entry=ref("b")),
    )
    yield refused(
        "overlay/attack/unexpected-pong-001",
        "b sends a pong though a has no probe pending.",
        ("UnexpectedMessage",),
        "b",
        Pong(nonce=nonce_of("pong"), ping_sent_at=1),
        None,
    )
    yield refused(
        "overlay/attack/unknown-route-ack-001",
        "b acknowledges a token a never sent it.",
        ("UnexpectedMessage",),
        "b",
        RouteAck(token=77),
        None,
    )
    yield refused(
        "overlay/attack/unsolicited-lookup-reply-001",
        "b answers a lookup a never made.",
        ("UnexpectedMessage",),
        "b",
        LookupReply(key=key_b, nonce=LOOKUP_NONCE, hops=1),
        None,
    )
    yield refused(
        "overlay/attack/row-request-forged-001",
        "b asks for a routing-table slot in c's name.",
        ("ForgedReference",),
        "b",
        RowRequest(node=ref("c"), row=0, column=1),
        RowRequest(node=ref("b"), row=0, column=1),
    )
    yield refused(
        "overlay/attack/departure-forged-001",
        "b announces c's departure: only a node itself may say that it leaves.",
        ("ForgedReference",),
        "b",
        Departure(node=ref("c")),
        Departure(node=ref("b")),
    )
    yield refused(
        "overlay/attack/leaf-request-forged-001",
        "b asks for a's leaf set in c's name.",
        ("ForgedReference",),
        "b",
        LeafRequest(node=ref("c")),
        LeafRequest(node=ref("b")),
    )
    yield refused(
        "overlay/attack/row-sync-forged-001",
        "b asks for a's routing-table row 0 in c's name.",
        ("ForgedReference",),
        "b",
        RowSync(node=ref("c"), row=0),
        RowSync(node=ref("b"), row=0),
    )
    yield refused(
        "overlay/attack/row-state-forged-001",
        "b sends a row_state naming c as its sender.",
        ("ForgedReference",),
        "b",
        RowState(node=ref("c"), row=0, entries=()),
        RowState(node=ref("b"), row=0, entries=()),
    )
    yield refused(
        "overlay/attack/row-state-misfit-001",
        "c's row_state for row 1 lists b, whose id shares no digit with a's (3 vs 9).",
        ("Misrouted",),
        "c",
        RowState(node=ref("c"), row=1, entries=(ref("b"),)),
        RowState(node=ref("c"), row=1, entries=(ref("g"),)),
        field="message:row_state",
    )
    yield refused(
        "overlay/attack/row-state-self-001",
        "c's row_state for row 0 lists a itself.",
        ("Misrouted",),
        "c",
        RowState(node=ref("c"), row=0, entries=(ref("a"),)),
        RowState(node=ref("c"), row=0, entries=(ref("d"),)),
        field="message:row_state",
    )

    yield from _join_attacks(g)
    yield from _command_refusals(g)


def _join_attacks(g: Generator) -> Iterator[Trace]:
    good = join_state("c", 1, True)
    for slug, description, flags, bad in (
        (
            "join-state-wrong-nonce-001",
            "While a joins, c sends a join_state for another join (another nonce).",
            ("UnexpectedMessage",),
            good.model_copy(update={"nonce": b"other-01"}),
        ),
        (
            "join-state-forged-001",
            "While a joins, c sends a join_state whose node reference is e's.",
            ("ForgedReference",),
            good.model_copy(update={"node": ref("e")}),
        ),
    ):
        case = OverlayCase(g, f"overlay/attack/{slug}", description, ATTACK, flags, bootstrap="b")
        case.command("join", JoinCommand(nonce=JOIN_NONCE), "join through b")
        c = case.peer("c")
        case.deliver(
            c.frame(bad, seq=1),
            "c",
            "c's join_state",
            error=E.MACHINE_GUARD_REJECTED,
            field="message:join_state",
            control=c.frame(good, seq=1),
        )
        yield case.trace()

    case = OverlayCase(
        g,
        "overlay/attack/announce-leaf-too-long-001",
        "b's announce lists 17 nodes in its leaf set, one more than a leaf set holds.",
        ATTACK,
        ("OutOfRange",),
    )
    ring(case)
    b = case.peer("b")
    listed: list[cbor.Value] = [to_value(ref(f"x{i}")) for i in range(17)]
    body = enc({"leaf": listed, "node": to_value(ref("b"))})
    frame = enc(envelope_fields(b.identity, body, 1, type_="announce", protocol="overlay"))
    control_body = encode_message(Announce(node=ref("b"), leaf=()))
    control = enc(
        envelope_fields(b.identity, control_body, 1, type_="announce", protocol="overlay")
    )
    case.deliver(
        frame,
        "b",
        "b's announce",
        error=E.DECODE_OUT_OF_RANGE,
        field="body.leaf",
        control=control,
    )
    yield case.trace()


def _command_refusals(g: Generator) -> Iterator[Trace]:
    case = OverlayCase(
        g,
        "overlay/machine/join-without-bootstrap-001",
        "The join command on a node whose parameters name no bootstrap node.",
        EDGE,
        ("UnexpectedMessage",),
    )
    case.command(
        "join",
        JoinCommand(nonce=JOIN_NONCE),
        "join",
        error=E.MACHINE_GUARD_REJECTED,
        field="command:join",
    )
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/machine/create-ring-twice-001",
        "create_ring on a node that is already active.",
        EDGE,
        ("UnexpectedMessage",),
    )
    ring(case)
    case.command(
        "create_ring",
        CreateRingCommand(),
        "create a ring again",
        error=E.MACHINE_NO_TRANSITION,
        field="command:create_ring",
    )
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/machine/lookup-duplicate-nonce-001",
        "Two lookups with the same nonce while the first is unanswered.",
        EDGE,
        ("UnexpectedMessage",),
    )
    ring(case, "b", "c")
    case.command(
        "lookup", LookupCommand(key=identity("b").node_id, nonce=LOOKUP_NONCE), "look up b"
    )
    case.command(
        "lookup",
        LookupCommand(key=identity("c").node_id, nonce=LOOKUP_NONCE),
        "look up c with the same nonce",
        error=E.MACHINE_GUARD_REJECTED,
        field="command:lookup",
        control=encode_message(LookupCommand(key=identity("c").node_id, nonce=nonce_of("second"))),
    )
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/machine/departed-accepts-nothing-001",
        "After leave, a refuses a ping and a lookup command.",
        EDGE,
        ("UnexpectedMessage",),
    )
    ring(case, "b")
    case.command("leave", LeaveCommand(), "leave")
    case.send(
        "b",
        Ping(nonce=nonce_of("late"), sent_at=1),
        "b pings a",
        error=E.MACHINE_NO_TRANSITION,
        field="message:ping",
    )
    case.command(
        "lookup",
        LookupCommand(key=identity("b").node_id, nonce=LOOKUP_NONCE),
        "look up b",
        error=E.MACHINE_NO_TRANSITION,
        field="command:lookup",
    )
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/machine/unknown-command-001",
        "The command 'ping', which is the wire role's, not the overlay's.",
        ATTACK,
        ("UnknownCommand",),
    )
    case.command(
        "ping",
        encode_message(CreateRingCommand()),
        "command 'ping'",
        error=E.MACHINE_NO_TRANSITION,
        field="command:ping",
    )
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/machine/timer-before-due-001",
        "The probe timer, running since create_ring, fired one tick before its due tick: "
        "refused (no_transition), the timer still running; fired at its due tick, it runs "
        "the probe round.",
        EDGE,
        ("UnexpectedMessage",),
    )
    ring(case, "b")
    due = case.node.timers[TIMER_PROBE]
    case.timer(
        TIMER_PROBE,
        f"fire probe at {due - 1}, one tick early",
        at=due - 1,
        error=E.MACHINE_NO_TRANSITION,
        field=f"timer:{TIMER_PROBE}",
    )
    if case.node.timers.get(TIMER_PROBE) != due:
        raise CaseError(f"{case.case_id}: the refused timer must keep running")
    case.timer(TIMER_PROBE, f"fire probe at {due}, its due tick")
    yield case.trace()
