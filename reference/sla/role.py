"""The SLA node: the guards and actions its two tables name, bound into a role.

``sla.node`` runs once per node; ``sla.agreement`` once per negotiation, which the
input names (``sla.md``, "Which negotiation an input is for").
"""

from reference.engine import Event, Machine
from reference.identity import Identity
from reference.instances import Instanced
from reference.node import ProtocolRole, Stimulus
from reference.sla import (
    access,
    accounting,
    consumer,
    negotiation,
    pricing,
    provider,
    search,
    services,
    settlement,
    view,
)
from reference.sla.context import On
from reference.sla.data import SlaData, with_control
from reference.sla.observe import observe
from spec.v1.base import WireModel
from spec.v1.sla import AGREEMENT_TABLE, COMMAND_TYPES, NODE_TABLE, PROTOCOL
from spec.v1.sla.commands import Negotiate, SlaParams
from spec.v1.sla.constants import TIMER_SEARCH
from spec.v1.stack import UPCALLS

NODE_MACHINE: Machine[SlaData] = Machine(
    NODE_TABLE,
    guards={
        "services_full": negotiation.services_full,
        "prices_full": pricing.prices_full,
        "rules_full": access.rules_full,
        "joins_view": view.joins_view,
        "leaves_view": view.leaves_view,
        "not_offered": search.not_offered,
        "not_its_index": search.not_its_index,
        "description_forged": search.description_forged,
        "description_stale": search.description_stale,
        "index_full": search.index_full,
        "delivered_description": search.delivered_description,
        "searches_full": search.searches_full,
        "not_awaited": search.not_awaited,
        "result_forged": search.result_forged,
        "result_unmatched": search.result_unmatched,
    },
    actions={
        "register": services.register,
        "set_price": pricing.set_price,
        "set_rule": access.set_rule,
        "add_member": view.add_member,
        "drop_member": view.drop_member,
        "publish": search.publish,
        "index": search.index,
        "answer": search.answer,
        "keep": search.keep,
        "search": search.search,
        "take_results": search.take_results,
        "forget_search": search.forget_search,
    },
)

AGREEMENT_MACHINE: Machine[SlaData] = Machine(
    AGREEMENT_TABLE,
    guards={
        "not_from_peer": negotiation.not_from_peer,
        "past_deadline": negotiation.past_deadline,
        "not_this_round": negotiation.not_this_round,
        "rounds_left": negotiation.rounds_left,
        "node_full": negotiation.node_full,
        "deadline_out_of_range": negotiation.deadline_out_of_range,
        "provider_is_self": consumer.provider_is_self,
        "terms_not_by_provider": consumer.terms_not_by_provider,
        "terms_not_asked": consumer.terms_not_asked,
        "no_rounds_left": consumer.no_rounds_left,
        "not_as_accepted": consumer.not_as_accepted,
        "not_from_initiator": provider.not_from_initiator,
        "not_first_round": provider.not_first_round,
        "beyond_round_limit": provider.beyond_round_limit,
        "not_next_round": provider.not_next_round,
        "deadline_changed": provider.deadline_changed,
        "meets_requirements": provider.meets_requirements,
        "acceptance_not_by_consumer": provider.acceptance_not_by_consumer,
        "not_current_offer": provider.not_current_offer,
        "at_provider": accounting.at_provider,
        "at_consumer": accounting.at_consumer,
        "outside_period": accounting.outside_period,
        "not_next_report": accounting.not_next_report,
        "usage_over_units": accounting.usage_over_units,
        "report_over_units": accounting.report_over_units,
        "usage_breaches": accounting.usage_breaches,
        "report_breaches": accounting.report_breaches,
        "wrong_total": accounting.wrong_total,
        "closed_agreement": accounting.closed_agreement,
        "no_reports": accounting.no_reports,
        "provider_denied": access.provider_denied,
        "consumer_denied": access.consumer_denied,
        "not_recorded": settlement.not_recorded,
        "not_recorded_peer": settlement.not_recorded_peer,
        "already_settled": settlement.already_settled,
        "pair_open": settlement.pair_open,
        "not_owed": settlement.not_owed,
    },
    actions={
        "call": consumer.call,
        "take_offer": consumer.take_offer,
        "take_refusal": consumer.take_refusal,
        "accept": consumer.accept,
        "reject": consumer.reject,
        "counter": consumer.counter,
        "conclude": consumer.conclude,
        "propose": provider.propose,
        "decline": provider.decline,
        "decline_last": provider.decline_last,
        "agree": provider.agree,
        "close": negotiation.close,
        "forget": negotiation.forget,
        "take_usage": accounting.take_usage,
        "close_violated": accounting.close_violated,
        "close_completed": accounting.close_completed,
        "close_terminated": accounting.close_terminated,
        "terminate": accounting.terminate,
        "report": accounting.report,
        "report_violated": accounting.report_violated,
        "finish": accounting.finish,
        "close_undelivered": accounting.close_undelivered,
        "close_at_end": accounting.close_at_end,
        "pay": settlement.pay,
        "take_payment": settlement.take_payment,
    },
)

NODE_WIDE = frozenset(
    {
        "command:offer_service",
        "command:market_price",
        "command:access",
        "command:publish",
        "command:search",
        "message:store",
        "message:results",
        "upcall:deliver",
        "upcall:forward",
        "upcall:update",
    }
)
"""The inputs of ``sla.node``; every other is for one negotiation."""


def negotiation_of(data: SlaData, event: Event) -> tuple[bytes | None, Event]:
    """The negotiation an input is for, and the event its table steps on.

    A message or a command names it in its ``neg`` field; ``negotiate`` opens this node's id
    followed by its nonce; a timer names it by the hex after the dot (``deadline.<hex>``).
    The node-wide inputs, and a search's timer (``search.<number>``), go to ``sla.node``.
    """
    stim = event.payload
    assert isinstance(stim, Stimulus)
    if event.trigger in NODE_WIDE:
        return None, Event(event.trigger, On(stim, b""))
    kind, name = event.trigger.split(":", 1)
    if kind == "timer":
        purpose, _, suffix = name.partition(".")
        named = bytes.fromhex(suffix)
        if purpose == TIMER_SEARCH:
            return None, Event(f"timer:{purpose}", On(stim, named))
        return named, Event(f"timer:{purpose}", On(stim, named))
    if isinstance(stim.args, Negotiate):
        neg = data.self_id + stim.args.nonce
    else:
        source = stim.body if kind == "message" else stim.args
        field = getattr(source, "neg", None)
        assert isinstance(field, bytes)
        neg = field
    return neg, Event(event.trigger, On(stim, neg))


MACHINE: Instanced[SlaData] = Instanced(
    node=NODE_MACHINE,
    each=AGREEMENT_MACHINE,
    dispatch=negotiation_of,
    controls=lambda data: data.controls,
    with_control=with_control,
)


def _initial(identity: Identity, params: WireModel) -> SlaData:
    assert isinstance(params, SlaParams)
    return SlaData(identity=identity, params=params)


ROLE: ProtocolRole[SlaData] = ProtocolRole(
    protocol=PROTOCOL,
    speaks=frozenset({PROTOCOL}),
    machine=MACHINE,
    params_model=SlaParams,
    commands=COMMAND_TYPES,
    initial_data=_initial,
    observe=observe,
    upcalls=UPCALLS,
)
