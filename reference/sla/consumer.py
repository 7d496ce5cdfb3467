"""The consumer's part of a negotiation (FIPA's Initiator): the cfp, the provider's
answer, the application's decision and the SLA it ends in."""

from reference.effects import CancelTimer, Effect, Emit, StartTimer
from reference.sla.accounting import start_periods
from reference.sla.barter import hold_reciprocal
from reference.sla.context import held, on, timer_name
from reference.sla.data import Negotiation, SlaData, with_negotiation
from reference.sla.frames import open_terms, seal_inner
from spec.v1.sla.commands import Counter, Negotiate
from spec.v1.sla.messages import Acceptance, AcceptProposal, Agreement, Cfp, Propose, RejectProposal

Result = tuple[SlaData, tuple[Effect, ...]]


def provider_is_self(data: SlaData, payload: object) -> bool:
    args = on(payload).args
    assert isinstance(args, Negotiate)
    return args.provider == data.self_id


def call(data: SlaData, payload: object) -> Result:
    event = on(payload)
    args = event.args
    assert isinstance(args, Negotiate)
    opened = Negotiation("consumer", args.provider, 1, args.deadline, args.requirements)
    cfp = Cfp(neg=event.neg, round=1, deadline=args.deadline, requirements=args.requirements)
    return with_negotiation(data, event.neg, opened), (
        Emit("cfp", args.provider, cfp),
        StartTimer(timer_name(event.neg), args.deadline + 1),
    )


def _proposal(payload: object) -> Propose:
    body = on(payload).body
    assert isinstance(body, Propose)
    return body


def terms_not_by_provider(data: SlaData, payload: object) -> bool:
    signed, terms = open_terms(_proposal(payload).terms, "body.terms")
    provider = held(data, on(payload)).peer
    return signed.signer != provider or terms.provider != provider


def terms_not_asked(data: SlaData, payload: object) -> bool:
    event = on(payload)
    _, terms = open_terms(_proposal(payload).terms, "body.terms")
    mine = held(data, event)
    wanted = mine.requirements
    return (
        terms.neg != event.neg
        or terms.round != mine.round
        or terms.consumer != data.self_id
        or terms.service != wanted.service
        or terms.units != wanted.units
        or terms.guarantees != wanted.guarantees
        or terms.start != wanted.start
        or terms.end != wanted.end
        or terms.barter != wanted.barter
        or terms.unit_price > wanted.max_price
    )


def take_offer(data: SlaData, payload: object) -> Result:
    event = on(payload)
    frame = _proposal(payload).terms
    signed, terms = open_terms(frame, "body.terms")
    mine = held(data, event)._replace(offer=frame, offer_digest=signed.digest, terms=terms)
    return with_negotiation(data, event.neg, mine), ()


def take_refusal(data: SlaData, payload: object) -> Result:
    """The round is refused: there is no offer to accept until a later round's proposal."""
    event = on(payload)
    mine = held(data, event)._replace(offer=None, offer_digest=None, terms=None)
    return with_negotiation(data, event.neg, mine), ()


def accept(data: SlaData, payload: object) -> Result:
    event = on(payload)
    mine = held(data, event)
    assert mine.offer_digest is not None
    body = Acceptance(neg=event.neg, consumer=data.self_id, terms=mine.offer_digest)
    frame, _ = seal_inner(data.identity, body)
    return with_negotiation(data, event.neg, mine._replace(acceptance=frame)), (
        Emit("accept_proposal", mine.peer, AcceptProposal(neg=event.neg, acceptance=frame)),
    )


def reject(data: SlaData, payload: object) -> Result:
    event = on(payload)
    mine = held(data, event)
    return data, (
        Emit("reject_proposal", mine.peer, RejectProposal(neg=event.neg, round=mine.round)),
        CancelTimer(timer_name(event.neg)),
    )


def no_rounds_left(data: SlaData, payload: object) -> bool:
    return held(data, on(payload)).round >= data.params.max_rounds


def counter(data: SlaData, payload: object) -> Result:
    event = on(payload)
    args = event.args
    assert isinstance(args, Counter)
    mine = held(data, event)
    mine = mine._replace(
        round=mine.round + 1,
        requirements=args.requirements,
        offer=None,
        offer_digest=None,
        terms=None,
    )
    cfp = Cfp(
        neg=event.neg, round=mine.round, deadline=mine.deadline, requirements=args.requirements
    )
    return with_negotiation(data, event.neg, mine), (Emit("cfp", mine.peer, cfp),)


def not_as_accepted(data: SlaData, payload: object) -> bool:
    event = on(payload)
    body = event.body
    assert isinstance(body, Agreement)
    mine = held(data, event)
    return body.terms != mine.offer or body.acceptance != mine.acceptance


def conclude(data: SlaData, payload: object) -> Result:
    """The SLA holds; a barter's reciprocal leg is held from now, this node its provider."""
    event = on(payload)
    data = hold_reciprocal(data, event.neg, held(data, event))
    return data, (CancelTimer(timer_name(event.neg)), *start_periods(data, event.neg))
