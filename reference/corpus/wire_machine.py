"""Machine cases of the ``wire`` protocol: valid input the node's state does not allow.

Commands, pongs and timers that the wire machine's table refuses in the
current state (``machine.guard_rejected`` when a row exists but its guard
fails, ``machine.no_transition`` when no row exists), and command arguments
that are not deterministic CBOR of the command's model.
"""

from collections.abc import Iterable

from reference.codec import encode_message, to_value
from reference.corpus.casekit import ATTACK, EDGE, Case, identity
from reference.corpus.mutations import RawMap, bstr, tstr, uint
from reference.corpus.wire_frames import NONCE_B, pong_frame
from spec.v1 import errors as E
from spec.v1.trace import FireTimer, Generator, Trace
from spec.v1.wire import MAX_PENDING, PingCommand


def machine_cases(generator: Generator) -> Iterable[Trace]:
    b, c = identity("b"), identity("c")

    case = Case(
        generator,
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
        generator,
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
        generator,
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
        generator,
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
        generator,
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
        generator,
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
        generator,
        "wire/machine/unknown-command-001",
        "The local command 'pong', which the wire role does not define.",
        ATTACK,
        ("UnknownCommand",),
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
        generator,
        "wire/machine/other-role-command-001",
        "The local command 'join', which only the overlay role defines, with the arguments of "
        "a ping (not a join's): a wire node refuses the name before it decodes the arguments, "
        "so the error is machine.no_transition, not a decoding error.",
        ATTACK,
        ("UnknownCommand",),
    )
    case.peer("b")
    case.command(
        "join",
        to_b,
        "command 'join' with a ping's arguments",
        error=E.MACHINE_NO_TRANSITION,
        field="command:join",
    )
    yield case.trace()

    case = Case(
        generator,
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
        case = Case(generator, case_id, description, ATTACK, flags)
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
