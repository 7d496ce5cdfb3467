"""The auction node: the guards and actions its two tables name, bound into a role.

``auction.node`` runs once per node; ``auction.service`` once per service,
which the input names (``auction.md``, "Which service an input is for").
The node speaks only ``auction``: it is the application protocol alone, its
overlay's upcalls given as inputs and its ``route`` downcalls reported as
outputs (``stack.md``).
"""

from reference.auction import broker, path, trader, view
from reference.auction.context import At
from reference.auction.data import AuctionData, with_control
from reference.auction.observe import observe
from reference.engine import Event, Machine
from reference.identity import Identity
from reference.instances import Instanced
from reference.node import ProtocolRole, Stimulus
from spec.v1.auction import COMMAND_TYPES, NODE_TABLE, PROTOCOL, SERVICE_TABLE
from spec.v1.auction.commands import AuctionParams
from spec.v1.base import WireModel
from spec.v1.stack import UPCALLS, DeliverUpcall
from spec.v1.types import ID_BYTES

NODE_MACHINE: Machine[AuctionData] = Machine(
    NODE_TABLE,
    guards={
        "joins_view": view.joins_view,
        "leaves_view": view.leaves_view,
        "plain_payload": path.plain_payload,
        "fallback_locate": path.fallback_locate,
    },
    actions={
        "add_member": view.add_member,
        "drop_member": view.drop_member,
        "report_hop": path.report_hop,
    },
)

SERVICE_MACHINE: Machine[AuctionData] = Machine(
    SERVICE_TABLE,
    guards={
        "room_for_service": trader.room_for_service,
        "answers_locate": trader.answers_locate,
        "quote_expected": trader.quote_expected,
        "offer_allowed": trader.offer_allowed,
        "notice_expected": trader.notice_expected,
        "hop_expected": trader.hop_expected,
        "hops_recorded": trader.hops_recorded,
        "acting_root": broker.acting_root,
        "locate_for_key": broker.locate_for_key,
        "named_broker": broker.named_broker,
        "offer_impersonates": broker.offer_impersonates,
        "offer_too_long": broker.offer_too_long,
        "offer_expired": broker.offer_expired,
        "offer_stale": broker.offer_stale,
        "pending_full": broker.pending_full,
        "slot_is_even": broker.slot_is_even,
        "sender_outside": broker.sender_outside,
        "candidates_off_slot": broker.candidates_off_slot,
        "candidates_sound": broker.candidates_sound,
    },
    actions={
        "start_locate": trader.start_locate,
        "learn_brokers": trader.learn_brokers,
        "give_up": trader.give_up,
        "retry_locate": trader.retry_locate,
        "record_hop": trader.record_hop,
        "ask_takeover": trader.ask_takeover,
        "take_over": broker.take_over,
        "answer_takeover": broker.answer_takeover,
        "request_price": trader.request_price,
        "record_quote": trader.record_quote,
        "send_offer": trader.send_offer,
        "record_notice": trader.record_notice,
        "open_service": broker.open_service,
        "answer_locate": broker.answer_locate,
        "join_service": broker.join_service,
        "answer_price": broker.answer_price,
        "accept_offer": broker.accept_offer,
        "forward_candidates": broker.forward_candidates,
        "match_round": broker.match_round,
        "take_candidates": broker.take_candidates,
    },
)

NODE_WIDE = frozenset({"upcall:update", "upcall:forward"})


def service_of(event: Event) -> tuple[bytes | None, Event]:
    """The service an input is for, and the event its table steps on.

    A message or a command names it in its ``service`` field, a ``deliver`` upcall by its
    key, a timer by the hex after the dot of its name (``slot.<hex>`` fires ``timer:slot``).
    """
    stim = event.payload
    assert isinstance(stim, Stimulus)
    if event.trigger in NODE_WIDE:
        return None, Event(event.trigger, At(stim, b""))
    kind, name = event.trigger.split(":", 1)
    if kind == "timer":
        purpose, _, suffix = name.partition(".")
        service = bytes.fromhex(suffix)
        assert len(service) == ID_BYTES
        return service, Event(f"timer:{purpose}", At(stim, service))
    if kind == "upcall":
        assert isinstance(stim.args, DeliverUpcall)
        return stim.args.key, Event(event.trigger, At(stim, stim.args.key))
    source = stim.body if kind == "message" else stim.args
    named = getattr(source, "service", None)
    assert isinstance(named, bytes)
    return named, Event(event.trigger, At(stim, named))


MACHINE: Instanced[AuctionData] = Instanced(
    node=NODE_MACHINE,
    each=SERVICE_MACHINE,
    dispatch=lambda data, event: service_of(event),
    controls=lambda data: data.controls,
    with_control=with_control,
)


def _initial(identity: Identity, params: WireModel) -> AuctionData:
    assert isinstance(params, AuctionParams)
    return AuctionData(identity=identity, params=params)


ROLE: ProtocolRole[AuctionData] = ProtocolRole(
    protocol=PROTOCOL,
    speaks=frozenset({PROTOCOL}),
    machine=MACHINE,
    params_model=AuctionParams,
    commands=COMMAND_TYPES,
    initial_data=_initial,
    observe=observe,
    upcalls=UPCALLS,
)
