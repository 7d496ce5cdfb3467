"""Hand-written ``sla`` cases where node ``a`` provides: answering cfps with signed terms
or refusals, counter-offers, the consumer's acceptance or rejection, and every refusal."""

from collections.abc import Iterator

from reference.corpus.auction_casekit import body_of, flip_signature
from reference.corpus.sla_casekit import (
    ATTACK,
    EDGE,
    LATENCY,
    OFFER,
    OTHER_SERVICE,
    PARAMS,
    SERVICE,
    THROUGHPUT,
    WANTED,
    CaseError,
    SlaCase,
    guarantee,
)
from reference.sla.frames import open_terms
from spec.v1 import errors as E
from spec.v1.sla.commands import OfferService
from spec.v1.sla.messages import Acceptance, AcceptProposal, Cfp, Propose, RejectProposal, Terms
from spec.v1.trace import Generator, Output, Trace

DEADLINE = 60


def _cfp(case: SlaCase, consumer: str, round_: int, note: str, **kwargs: object) -> Terms | None:
    """``consumer`` sends its cfp (WANTED unless ``requirements``); the terms ``a`` proposes."""
    wanted = kwargs.pop("requirements", WANTED)
    deadline = kwargs.pop("deadline", DEADLINE)
    neg = kwargs.pop("neg", case.neg(consumer))
    body = Cfp(neg=neg, round=round_, deadline=deadline, requirements=wanted)  # type: ignore[arg-type]
    out = case.send(consumer, body, note, **kwargs)
    return _proposed(out)


def _proposed(out: tuple[object, ...]) -> Terms | None:
    for item in out:
        if isinstance(item, Output):
            body = body_of(item.frame)
            if isinstance(body, Propose):
                return open_terms(body.terms, "terms")[1]
    return None


def _accept(case: SlaCase, consumer: str, terms: Terms, note: str, **kwargs: object) -> None:
    neg = terms.neg
    frame = case.acceptance(consumer, neg, terms)
    case.send(consumer, AcceptProposal(neg=neg, acceptance=frame), note, **kwargs)


def _offer(case: SlaCase, offer: OfferService = OFFER) -> None:
    case.command("offer_service", offer, "the service registers its description (interface A)")


def agree(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/provider/agree-001",
        "a provider replaces its service's offer, answers a cfp it can meet with signed terms "
        "at its unit price and confirms the consumer's acceptance with the SLA",
        ("positive",),
    )
    case.command("offer_service", OFFER.model_copy(update={"unit_price": 11}), "first price 11")
    _offer(case)
    terms = _cfp(case, "c", 1, "c's cfp: 20 units at most 12 each, latency <= 50, >= 500 kbit/s")
    if terms is None or terms.unit_price != OFFER.unit_price:
        raise CaseError("a did not propose at 10")
    _accept(case, "c", terms, "c accepts the terms: a sends the SLA")
    return case.trace()


def rounds(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/provider/rounds-001",
        "a provider refuses a price it cannot meet and then a guarantee it cannot give, "
        "proposes in round 3 and forgets the negotiation when the consumer rejects",
        ("positive",),
    )
    _offer(case)
    _cfp(
        case,
        "c",
        1,
        "at most 8 a unit: refused (price, ask 10)",
        requirements=WANTED.model_copy(update={"max_price": 8}),
    )
    tight = WANTED.model_copy(update={"guarantees": (guarantee(LATENCY, 30),)})
    _cfp(case, "c", 2, "latency <= 30 ms: a guarantees 40, refused (guarantee)", requirements=tight)
    if _cfp(case, "c", 3, "round 3, the original requirements: a proposes") is None:
        raise CaseError("no proposal in round 3")
    case.send("c", RejectProposal(neg=case.neg("c"), round=3), "c rejects: a forgets")
    return case.trace()


def last_round(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/provider/last-round-001",
        "a provider refuses too many units, proposes on the counter-offer, and in the last "
        "round refuses a service it does not offer and forgets the negotiation",
        ("positive",),
    )
    _offer(case)
    _cfp(
        case,
        "c",
        1,
        "200 units: a sells at most 100 (units)",
        requirements=WANTED.model_copy(update={"units": 200}),
    )
    _cfp(case, "c", 2, "20 units: a proposes")
    _cfp(
        case,
        "c",
        3,
        "round 3 asks another service: refused (no_service), forgotten",
        requirements=WANTED.model_copy(update={"service": OTHER_SERVICE}),
    )
    return case.trace()


def one_round(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/provider/one-round-001",
        "in a one-round market a refused cfp ends its negotiation at once; a proposal "
        "nobody accepts is forgotten when the deadline timer fires",
        ("positive",),
        params=PARAMS.model_copy(update={"max_rounds": 1}),
    )
    _offer(case)
    _cfp(
        case,
        "c",
        1,
        "c asks a service a does not offer: refused, nothing kept",
        requirements=WANTED.model_copy(update={"service": OTHER_SERVICE}),
    )
    _cfp(case, "d", 1, "d's cfp: a proposes", deadline=20)
    case.timer(case.deadline_timer(case.neg("d")), "tick 21: d never answered, forgotten")
    return case.trace()


def cfp_refusals(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/provider/cfp-refusals-001",
        "a new negotiation's cfp is refused in another consumer's name, in a round other "
        "than 1, with a deadline out of range, and beyond max_open negotiations",
        ATTACK,
        ("NotParty", "WrongRound", "LateNegotiation", "NegotiationFlood"),
    )
    _offer(case)
    good = Cfp(neg=case.neg("c"), round=1, deadline=DEADLINE, requirements=WANTED)
    control = case.peer("c").frame(good, seq=99)
    _cfp(
        case,
        "c",
        1,
        "c's cfp in d's negotiation id",
        neg=case.neg("d"),
        error=E.SLA_NOT_PARTY,
        control=control,
    )
    _cfp(case, "c", 2, "a first cfp in round 2", error=E.SLA_BAD_ROUND, control=control)
    _cfp(
        case,
        "c",
        1,
        "a deadline before now",
        deadline=2,
        at=5,
        error=E.SLA_BAD_DEADLINE,
        control=control,
    )
    _cfp(
        case,
        "c",
        1,
        "a deadline 101 ticks ahead",
        deadline=5 + 1 + 101,
        at=6,
        error=E.SLA_BAD_DEADLINE,
    )
    _cfp(case, "c", 1, "a deadline exactly 100 ticks ahead: accepted", deadline=7 + 100, at=7)
    for name in ("d", "e", "f"):
        _cfp(case, name, 1, f"{name}'s cfp: proposed")
    _cfp(case, "g", 1, "a fifth negotiation: a holds max_open = 4", error=E.SLA_TOO_MANY)
    return case.trace()


def offer_flood(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/provider/offer-flood-001",
        "a node offers at most 64 services: a 65th is refused, a new offer of one it "
        "offers still replaces it",
        EDGE,
        ("NegotiationFlood",),
    )
    for index in range(64):
        service = bytes([index]) * 16
        case.command(
            "offer_service",
            OFFER.model_copy(update={"service": service}),
            f"service {index}",
            record_state=index == 63,
        )
    case.command("offer_service", OFFER, "a 65th service", error=E.SLA_TOO_MANY)
    again = OFFER.model_copy(update={"service": bytes(16), "unit_price": 3})
    case.command("offer_service", again, "service 0 again, at 3: replaced")
    return case.trace()


def counter_refusals(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/provider/counter-refusals-001",
        "an open negotiation's inputs are refused from a third node, in the wrong round, "
        "with a changed deadline, beyond the round limit, accepting an offer never made, "
        "and after the deadline",
        ATTACK,
        ("NotParty", "WrongRound", "LateNegotiation", "RoundLimit", "PhantomOffer"),
    )
    _offer(case)
    neg = case.neg("c")
    _cfp(
        case,
        "c",
        1,
        "at most 8: refused, no offer stands",
        requirements=WANTED.model_copy(update={"max_price": 8}),
    )
    _cfp(case, "d", 2, "d sends a counter-offer in c's negotiation", neg=neg, error=E.SLA_NOT_PARTY)
    _cfp(case, "c", 4, "round 4 of a three-round market", error=E.SLA_ROUND_LIMIT)
    _cfp(case, "c", 3, "round 3 after round 1", error=E.SLA_BAD_ROUND)
    _cfp(
        case,
        "c",
        2,
        "round 2 with another deadline",
        deadline=DEADLINE + 1,
        error=E.SLA_BAD_DEADLINE,
    )
    case.send(
        "d", RejectProposal(neg=neg, round=1), "d rejects c's negotiation", error=E.SLA_NOT_PARTY
    )
    case.send("c", RejectProposal(neg=neg, round=2), "c rejects round 2", error=E.SLA_BAD_ROUND)
    phantom = case.terms(None, "c", 1, WANTED, 10)
    _accept(case, "d", phantom, "d accepts in c's negotiation", error=E.SLA_NOT_PARTY)
    _accept(
        case,
        "c",
        phantom,
        "c accepts terms a never proposed (it refused)",
        error=E.SLA_UNKNOWN_OFFER,
    )
    late = DEADLINE + 1
    _cfp(case, "c", 2, "a counter-offer after the deadline", at=late, error=E.SLA_DEADLINE_PASSED)
    _accept(
        case, "c", phantom, "an acceptance after the deadline", at=late, error=E.SLA_DEADLINE_PASSED
    )
    case.send(
        "c",
        RejectProposal(neg=neg, round=1),
        "a rejection after the deadline",
        at=late,
        error=E.SLA_DEADLINE_PASSED,
    )
    case.timer(case.deadline_timer(neg), "the deadline timer: forgotten", at=late)
    return case.trace()


def forged_acceptance(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/provider/forged-acceptance-001",
        "an acceptance signed by another key, naming another consumer, with a bad "
        "signature, or of an earlier round's withdrawn offer is refused; the real one binds",
        ATTACK,
        ("WrongSigner", "BadSignature", "PhantomOffer"),
    )
    _offer(case)
    neg = case.neg("c")
    first = _cfp(case, "c", 1, "round 1: a proposes")
    assert first is not None
    terms = _cfp(
        case,
        "c",
        2,
        "round 2, 30 units: a proposes again; round 1's offer is void",
        requirements=WANTED.model_copy(update={"units": 30}),
    )
    assert terms is not None
    good = case.acceptance("c", neg, terms)
    control = case.peer("c").frame(AcceptProposal(neg=neg, acceptance=good), seq=99)
    by_d = case.acceptance("d", neg, terms)
    case.send(
        "c",
        AcceptProposal(neg=neg, acceptance=by_d),
        "c hands over an acceptance d signed",
        error=E.SLA_WRONG_SIGNER,
        control=control,
    )
    for other in ("d", "e"):
        naming = case.acceptance("c", neg, terms, consumer=other)
        case.send(
            "c",
            AcceptProposal(neg=neg, acceptance=naming),
            f"c signs an acceptance naming {other} as the consumer",
            error=E.SLA_WRONG_SIGNER,
        )
    case.send(
        "c",
        AcceptProposal(neg=neg, acceptance=flip_signature(good)),
        "c's acceptance with a flipped signature bit",
        error=E.AUTH_BAD_SIGNATURE,
        field="body.acceptance.signature",
    )
    _accept(case, "c", first, "c accepts round 1's terms", error=E.SLA_UNKNOWN_OFFER)
    case.send("c", AcceptProposal(neg=neg, acceptance=good), "c accepts round 2's terms")
    return case.trace()


def provider_cases(generator: Generator) -> Iterator[Trace]:
    yield agree(generator)
    yield rounds(generator)
    yield last_round(generator)
    yield one_round(generator)
    yield cfp_refusals(generator)
    yield offer_flood(generator)
    yield counter_refusals(generator)
    yield forged_acceptance(generator)
    yield matching_edges(generator)
    yield provider_checks(generator)
    yield late_ticks(generator)


__all__ = ["SERVICE", "provider_cases"]


def matching_edges(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/provider/matching-edges-001",
        "the matching rule at its edges: exactly max_units, exactly max_price and bounds "
        "exactly met are proposed; another unit or comparison (sorting either side of the "
        "offer's), a metric not offered, or a bound just missed are refused (guarantee)",
        ("positive",),
        params=PARAMS.model_copy(update={"max_open": 16}),
    )
    _offer(case)
    edge = WANTED.model_copy(
        update={
            "units": OFFER.max_units,
            "max_price": OFFER.unit_price,
            "guarantees": (guarantee(LATENCY, 40), guarantee(THROUGHPUT, 800)),
        }
    )
    _cfp(
        case,
        "c",
        1,
        "100 units, at most 10, latency <= 40, >= 800: all exactly met",
        requirements=edge,
    )
    misses = [
        ("latency in ks", (LATENCY.model_copy(update={"unit": "ks"}),)),
        ("latency in us", (LATENCY.model_copy(update={"unit": "us"}),)),
        ("latency at least 40", (LATENCY.model_copy(update={"op": "ge"}),)),
        ("throughput at most 800", (THROUGHPUT.model_copy(update={"op": "le"}),)),
        ("jitter, which a does not measure", (LATENCY.model_copy(update={"metric": "jitter"}),)),
        ("throughput at least 900", (THROUGHPUT.model_copy(update={"bound": 900}),)),
        ("latency at most 39", (LATENCY.model_copy(update={"bound": 39}),)),
    ]
    for index, (note, bounds) in enumerate(misses, start=1):
        wanted = WANTED.model_copy(
            update={"guarantees": tuple(guarantee(b, b.bound) for b in bounds)}
        )
        neg = case.peer("d").node_id + f"edge-{index:03d}".encode()[:8]
        _cfp(case, "d", 1, f"{note}: refused (guarantee)", requirements=wanted, neg=neg)
    return case.trace()


def provider_checks(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/provider/checks-001",
        "each of a provider's checks on either side: ids sorting before and after the "
        "sender's and the consumer's, a repeated round, an earlier deadline, acceptances of "
        "digests before and after the offer's or of another negotiation; the deadline timer "
        "is not due at the deadline, after a proposal or a refusal",
        ATTACK,
        ("NotParty", "WrongRound", "LateNegotiation", "WrongSigner", "PhantomOffer"),
    )
    _offer(case)
    for other in ("e", "d"):
        _cfp(
            case,
            "c",
            1,
            f"c's cfp in {other}'s name",
            neg=case.neg(other),
            deadline=61,
            error=E.SLA_NOT_PARTY,
        )
    refused = case.neg("d")
    _cfp(
        case,
        "d",
        1,
        "d asks 8 a unit: refused, deadline 61",
        deadline=61,
        requirements=WANTED.model_copy(update={"max_price": 8}),
    )
    neg = case.neg("c")
    terms = _cfp(case, "c", 1, "c's cfp, deadline 61: proposed", deadline=61)
    assert terms is not None
    _cfp(case, "c", 1, "round 1 again", deadline=61, error=E.SLA_BAD_ROUND)
    _cfp(case, "c", 2, "round 2 with an earlier deadline", deadline=60, error=E.SLA_BAD_DEADLINE)
    for signer in ("y", "w"):
        frame = case.acceptance(signer, neg, terms, consumer="c")
        case.send(
            "c",
            AcceptProposal(neg=neg, acceptance=frame),
            f"an acceptance naming c, signed by {signer}",
            error=E.SLA_WRONG_SIGNER,
        )
    for nonce in (b"nonce-00", b"nonce-99"):
        frame = case.acceptance("c", case.neg("c", nonce), terms)
        case.send(
            "c",
            AcceptProposal(neg=neg, acceptance=frame),
            "c's acceptance of the offer, naming another negotiation",
            error=E.SLA_UNKNOWN_OFFER,
        )
    for byte in (0x00, 0xFF):
        body = Acceptance(neg=neg, consumer=case.peer("c").node_id, terms=bytes([byte]) * 32)
        frame = case.peer("c").inner(body)
        case.send(
            "c",
            AcceptProposal(neg=neg, acceptance=frame),
            f"c's acceptance of digest {byte:02x}..{byte:02x}",
            error=E.SLA_UNKNOWN_OFFER,
        )
    for which in (neg, refused):
        case.timer(
            case.deadline_timer(which),
            "the timer fired at tick 61, the deadline",
            at=61,
            error=E.MACHINE_NO_TRANSITION,
        )
    for which in (neg, refused):
        case.timer(case.deadline_timer(which), "tick 62: forgotten", at=62)
    return case.trace()


def late_ticks(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/provider/late-ticks-001",
        "a negotiation late in a run, its deadline above 256: the counter-offer carries the "
        "same deadline, compared by value",
        ("positive",),
    )
    _offer(case)
    late = WANTED.model_copy(update={"start": 400, "end": 500})
    _cfp(
        case,
        "c",
        1,
        "tick 300, deadline 390: at most 8, refused",
        at=300,
        deadline=390,
        requirements=late.model_copy(update={"max_price": 8}),
    )
    _cfp(case, "c", 2, "round 2, the same deadline 390: proposed", deadline=390, requirements=late)
    return case.trace()
