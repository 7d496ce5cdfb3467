"""The wire protocol's guards and actions: answer pings, send pings, accept pongs."""

from dataclasses import dataclass

from reference.effects import Effect, Emit
from reference.engine import Machine
from reference.identity import Identity
from reference.node import Node, ProtocolRole, Stimulus
from spec.v1 import wire
from spec.v1.base import WireModel
from spec.v1.registry import COMMANDS


@dataclass(frozen=True, slots=True)
class WireData:
    """Pings sent and not yet answered, as (to, nonce) pairs, kept sorted."""

    pending: tuple[tuple[bytes, bytes], ...] = ()


def _stimulus(payload: object) -> Stimulus:
    assert isinstance(payload, Stimulus)
    return payload


def _ping_slot_free(data: WireData, payload: object) -> bool:
    args = _stimulus(payload).args
    assert isinstance(args, wire.PingCommand)
    return len(data.pending) < wire.MAX_PENDING and (args.to, args.nonce) not in data.pending


def _pong_expected(data: WireData, payload: object) -> bool:
    stim = _stimulus(payload)
    assert isinstance(stim.body, wire.Pong) and stim.envelope is not None
    return (stim.envelope.sender, stim.body.nonce) in data.pending


def _answer_ping(data: WireData, payload: object) -> tuple[WireData, tuple[Effect, ...]]:
    stim = _stimulus(payload)
    assert isinstance(stim.body, wire.Ping) and stim.envelope is not None
    pong = wire.Pong(nonce=stim.body.nonce, ping_sent_at=stim.body.sent_at)
    return data, (Emit("pong", stim.envelope.sender, pong),)


def _send_ping(data: WireData, payload: object) -> tuple[WireData, tuple[Effect, ...]]:
    stim = _stimulus(payload)
    args = stim.args
    assert isinstance(args, wire.PingCommand)
    pending = tuple(sorted((*data.pending, (args.to, args.nonce))))
    ping = wire.Ping(nonce=args.nonce, sent_at=stim.now)
    return WireData(pending), (Emit("ping", args.to, ping),)


def _accept_pong(data: WireData, payload: object) -> tuple[WireData, tuple[Effect, ...]]:
    stim = _stimulus(payload)
    assert isinstance(stim.body, wire.Pong) and stim.envelope is not None
    answered = (stim.envelope.sender, stim.body.nonce)
    return WireData(tuple(p for p in data.pending if p != answered)), ()


MACHINE = Machine(
    wire.TABLE,
    guards={"ping_slot_free": _ping_slot_free, "pong_expected": _pong_expected},
    actions={
        "answer_ping": _answer_ping,
        "send_ping": _send_ping,
        "accept_pong": _accept_pong,
    },
)


def _initial(identity: Identity, params: WireModel) -> WireData:
    return WireData()


def _observe(node: Node[WireData]) -> WireModel:
    return wire.WireState(
        next_seq=node.next_seq,
        last_seq=node.window_entries(),
        replay_floors=node.window_floors(),
        pending=tuple(
            wire.PendingPing(to=to, nonce=nonce) for to, nonce in node.state.data.pending
        ),
    )


ROLE: ProtocolRole[WireData] = ProtocolRole(
    protocol=wire.PROTOCOL,
    speaks=frozenset({wire.PROTOCOL}),
    machine=MACHINE,
    params_model=wire.WireParams,
    commands={name: model for (proto, name), model in COMMANDS.items() if proto == wire.PROTOCOL},
    initial_data=_initial,
    observe=_observe,
)
