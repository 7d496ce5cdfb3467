"""The provider's part of a negotiation (FIPA's Participant): answering each round's cfp
with signed terms or a refusal, and the consumer's acceptance or rejection."""

from reference.effects import CancelTimer, Effect, Emit, StartTimer
from reference.sla.accounting import start_periods
from reference.sla.barter import hold_reciprocal
from reference.sla.context import held, on, timer_name
from reference.sla.data import Negotiation, SlaData, with_negotiation
from reference.sla.frames import open_acceptance, seal_inner
from reference.sla.matching import shortfall
from reference.sla.pricing import price_for
from spec.v1.sla.messages import (
    AcceptProposal,
    Agreement,
    Cfp,
    Propose,
    Refuse,
    RefuseReason,
    Terms,
)
from spec.v1.types import ID_BYTES

Result = tuple[SlaData, tuple[Effect, ...]]


def _cfp(payload: object) -> Cfp:
    body = on(payload).body
    assert isinstance(body, Cfp)
    return body


def not_from_initiator(data: SlaData, payload: object) -> bool:
    """Only the consumer whose node id begins the negotiation id opens it."""
    event = on(payload)
    return event.neg[:ID_BYTES] != event.sender


def not_first_round(data: SlaData, payload: object) -> bool:
    return _cfp(payload).round != 1


def beyond_round_limit(data: SlaData, payload: object) -> bool:
    return _cfp(payload).round > data.params.max_rounds


def not_next_round(data: SlaData, payload: object) -> bool:
    return _cfp(payload).round != held(data, on(payload)).round + 1


def deadline_changed(data: SlaData, payload: object) -> bool:
    return _cfp(payload).deadline != held(data, on(payload)).deadline


def _asked(data: SlaData, payload: object) -> int | None:
    """Pricing's unit price for the cfp's sender, or ``None`` for a service not offered."""
    event = on(payload)
    offer = data.services.get(_cfp(payload).requirements.service)
    return None if offer is None else price_for(data, offer, event.sender, event.now)


def _shortfall(data: SlaData, payload: object) -> RefuseReason | None:
    wanted = _cfp(payload).requirements
    price = _asked(data, payload)
    return shortfall(data.services.get(wanted.service), wanted, 0 if price is None else price)


def meets_requirements(data: SlaData, payload: object) -> bool:
    return _shortfall(data, payload) is None


def propose(data: SlaData, payload: object) -> Result:
    """Sign terms that repeat the requirements at Pricing's unit price for this consumer."""
    event = on(payload)
    cfp = _cfp(payload)
    wanted = cfp.requirements
    price = _asked(data, payload)
    assert price is not None
    terms = Terms(
        neg=event.neg,
        round=cfp.round,
        provider=data.self_id,
        consumer=event.sender,
        service=wanted.service,
        units=wanted.units,
        unit_price=price,
        guarantees=wanted.guarantees,
        start=wanted.start,
        end=wanted.end,
        barter=wanted.barter,
    )
    frame, digest = seal_inner(data.identity, terms)
    mine = Negotiation(
        "provider", event.sender, cfp.round, cfp.deadline, wanted, frame, digest, terms=terms
    )
    return with_negotiation(data, event.neg, mine), (
        Emit("propose", event.sender, Propose(neg=event.neg, round=cfp.round, terms=frame)),
        StartTimer(timer_name(event.neg), cfp.deadline + 1),
    )


def _refusal(data: SlaData, payload: object) -> Emit:
    event = on(payload)
    cfp = _cfp(payload)
    reason = _shortfall(data, payload)
    assert reason is not None
    refuse = Refuse(neg=event.neg, round=cfp.round, reason=reason, ask=_asked(data, payload))
    return Emit("refuse", event.sender, refuse)


def decline(data: SlaData, payload: object) -> Result:
    """Refuse the round and wait for a counter-offer; no offer stands."""
    event = on(payload)
    cfp = _cfp(payload)
    mine = Negotiation("provider", event.sender, cfp.round, cfp.deadline, cfp.requirements)
    return with_negotiation(data, event.neg, mine), (
        _refusal(data, payload),
        StartTimer(timer_name(event.neg), cfp.deadline + 1),
    )


def decline_last(data: SlaData, payload: object) -> Result:
    """Refuse the last round; the row forgets the negotiation."""
    return data, (_refusal(data, payload), CancelTimer(timer_name(on(payload).neg)))


def _acceptance(payload: object) -> bytes:
    body = on(payload).body
    assert isinstance(body, AcceptProposal)
    return body.acceptance


def acceptance_not_by_consumer(data: SlaData, payload: object) -> bool:
    signed, acceptance = open_acceptance(_acceptance(payload), "body.acceptance")
    consumer = held(data, on(payload)).peer
    return signed.signer != consumer or acceptance.consumer != consumer


def not_current_offer(data: SlaData, payload: object) -> bool:
    event = on(payload)
    _, acceptance = open_acceptance(_acceptance(payload), "body.acceptance")
    mine = held(data, event)
    return (
        mine.offer_digest is None
        or acceptance.neg != event.neg
        or acceptance.terms != mine.offer_digest
    )


def agree(data: SlaData, payload: object) -> Result:
    event = on(payload)
    frame = _acceptance(payload)
    mine = held(data, event)
    assert mine.offer is not None
    sla = Agreement(neg=event.neg, terms=mine.offer, acceptance=frame)
    data = hold_reciprocal(data, event.neg, mine._replace(acceptance=frame))
    return data, (
        Emit("agreement", mine.peer, sla),
        CancelTimer(timer_name(event.neg)),
        *start_periods(data, event.neg),
    )
