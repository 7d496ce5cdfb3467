"""Hand-written ``sla`` cases of settlement between the parties' A&C: the consumer paying
what is due, records settled at once when nothing is, barter pairs running both legs and
settling together, and every refusal, with ``a`` as provider and as consumer."""

from collections.abc import Iterator

from reference.corpus.auction_casekit import body_of
from reference.corpus.sla_agreement_cases import (
    DEADLINE,
    GOOD,
    SLOW,
    START,
    _consumed,
    _provided,
    _report,
    _usage,
)
from reference.corpus.sla_casekit import (
    ATTACK,
    LATENCY,
    OFFER,
    OTHER_SERVICE,
    WANTED,
    SlaCase,
    guarantee,
)
from reference.sla.frames import open_terms
from spec.v1 import errors as E
from spec.v1.sla.commands import Finish, Pay, Start
from spec.v1.sla.messages import (
    AcceptProposal,
    Cfp,
    InformDone,
    Leg,
    Measure,
    Payment,
    Propose,
    Requirements,
    Terminate,
    reciprocal_id,
)
from spec.v1.trace import Generator, Trace

BARTERING = OFFER.model_copy(update={"barter": True})
"""OFFER, taking a reciprocal service as payment."""

QUICK = (Measure(metric="latency", value=45),)
"""Inside the reciprocal leg's guarantee (latency at most 60 ms)."""


def _leg(units: int, unit_price: int) -> Leg:
    """The reciprocal leg: ``units`` of OTHER_SERVICE at ``unit_price``, latency <= 60 ms."""
    return Leg(
        service=OTHER_SERVICE,
        units=units,
        unit_price=unit_price,
        guarantees=(guarantee(LATENCY, 60, window=2),),
        start=START,
        end=WANTED.end,
    )


def _bartered(units: int, unit_price: int) -> Requirements:
    return WANTED.model_copy(update={"barter": _leg(units, unit_price)})


def _delivered(case: SlaCase, neg: bytes, units: int, note: str) -> None:
    """``a`` starts the agreement it provides, reports ``units`` within bounds, finishes."""
    case.command("start", Start(neg=neg), f"{note}: started", at=max(case.now, START))
    _report(case, neg, units, GOOD, f"{note}: {units} units")
    case.command("finish", Finish(neg=neg), f"{note}: done")


def _provided_barter(case: SlaCase, consumer: str, index: int, wanted: Requirements) -> bytes:
    """``consumer`` negotiates ``wanted`` (a barter, or money) with ``a`` and accepts: the
    agreement's id."""
    neg = case.peer(consumer).node_id + f"nonce-{index:02d}".encode()
    cfp = Cfp(neg=neg, round=1, deadline=case.now + DEADLINE, requirements=wanted)
    out = case.send(consumer, cfp, f"{consumer}'s barter cfp ({index})")
    body = body_of(out[0].frame)
    assert isinstance(body, Propose)
    _, terms = open_terms(body.terms, "terms")
    frame = case.acceptance(consumer, neg, terms)
    note = f"{consumer} accepts: a holds the reciprocal leg too, as its consumer"
    case.send(consumer, AcceptProposal(neg=neg, acceptance=frame), note)
    return neg


def provider_payment(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/provider/payment-001",
        "a provider is paid what is due: the whole charge of a completed agreement, the "
        "charge less the penalty of a violated one; an agreement closed with nothing due is "
        "settled at once",
        ("positive",),
    )
    case.command("offer_service", OFFER, "a offers the service")
    done = _provided(case, "c")
    broken = _provided(case, "d")
    empty = _provided(case, "e")
    _delivered(case, done, 12, "c's")
    case.send("c", Payment(neg=done, amount=120), "c pays the 120 due: settled")
    case.command("start", Start(neg=broken), "d's service starts")
    for index in range(3):
        _report(case, broken, 1, SLOW, f"1 unit at 70 ms ({index + 1} in a row)")
    case.send("d", Payment(neg=broken, amount=23), "d pays 30 less the penalty of 7: settled")
    case.command("start", Start(neg=empty), "e's service starts")
    case.command("finish", Finish(neg=empty), "e's is done with no report: nothing due, settled")
    return case.trace()


def consumer_payment(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/consumer/payment-001",
        "a consumer pays what is due on the agreements it consumed once they close: a payment "
        "message to the provider, and both records settled",
        ("positive",),
    )
    neg = _consumed(case, 1)
    broken = _consumed(case, 2)
    _usage(case, neg, 1, 12, GOOD, "12 units", at=START)
    case.send("p", InformDone(neg=neg, reports=1, charged=120), "done: 120 due")
    case.command("pay", Pay(neg=neg), "a pays 120: settled")
    for seq in (1, 2, 3):
        _usage(case, broken, seq, 2, SLOW, f"2 units at 70 ms ({seq} in a row)")
    case.command("pay", Pay(neg=broken), "violated: a pays 60 less the penalty of 15, 45")
    return case.trace()


def payment_refusals(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/provider/payment-refusals-001",
        "a node refuses payments for agreements it never held, from a third node, of the wrong "
        "amount, by the party that is owed, and a second payment of a settled agreement; its "
        "own application may not pay what it is owed, nor pay twice",
        ATTACK,
        ("UnknownAgreement", "NotParty", "WrongPayment", "DoublePayment"),
    )
    case.command("offer_service", OFFER, "a offers the service")
    case.peer("d")
    sold = _provided(case, "c")
    _delivered(case, sold, 12, "c's")
    never = case.peer("c").node_id + b"nonce-09"
    case.send(
        "c", Payment(neg=never, amount=120), "a payment for nothing", error=E.SLA_UNKNOWN_AGREEMENT
    )
    case.send("e", Payment(neg=sold, amount=120), "e pays c's", error=E.SLA_NOT_PARTY)
    case.send("c", Payment(neg=sold, amount=119), "c pays 119 of 120", error=E.SLA_WRONG_PAYMENT)
    case.send("c", Payment(neg=sold, amount=121), "c pays 121 of 120", error=E.SLA_WRONG_PAYMENT)
    case.command("pay", Pay(neg=sold), "a pays for what it sold", error=E.SLA_WRONG_PAYMENT)
    case.send("d", Payment(neg=sold, amount=120), "d pays c's", error=E.SLA_NOT_PARTY)
    case.send("c", Payment(neg=sold, amount=120), "c pays 120: settled")
    case.send("c", Payment(neg=sold, amount=120), "c pays again", error=E.SLA_SETTLED)
    big = _provided_barter(case, "c", 2, WANTED.model_copy(update={"units": 30}))
    _delivered(case, big, 30, "c's second, 300")
    case.send("c", Payment(neg=big, amount=300), "c pays 300: settled")
    bought = _consumed(case, 1)
    _usage(case, bought, 1, 3, GOOD, "a consumes 3 units from p", at=max(case.now, START))
    case.send("p", InformDone(neg=bought, reports=1, charged=30), "done: a owes 30")
    case.send(
        "p", Payment(neg=bought, amount=30), "p pays what a owes it", error=E.SLA_WRONG_PAYMENT
    )
    case.command("pay", Pay(neg=bought), "a pays 30")
    case.command("pay", Pay(neg=bought), "a pays again", error=E.SLA_SETTLED)
    case.command(
        "pay",
        Pay(neg=case.node_id + b"nonce-09"),
        "a pays for nothing",
        error=E.SLA_UNKNOWN_AGREEMENT,
    )
    free = _consumed(case, 2)
    case.send("p", InformDone(neg=free, reports=0, charged=0), "done with nothing due: settled")
    case.command("pay", Pay(neg=free), "a pays it anyway", error=E.SLA_SETTLED)
    return case.trace()


def provider_barter(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/provider/barter-001",
        "a provider takes a reciprocal service as payment: it holds the consumer's leg as an "
        "agreement it consumes; an even swap settles both legs when the later closes, an "
        "uneven one when the consumer pays the difference; a provider that takes no barter "
        "refuses a barter cfp",
        ("positive",),
    )
    case.command("offer_service", OFFER, "a offers the service, in money only")
    neg = case.peer("c").node_id + b"nonce-01"
    cfp = Cfp(neg=neg, round=1, deadline=case.now + DEADLINE, requirements=_bartered(20, 10))
    case.send("c", cfp, "c offers a barter: refused, reason barter (round 1 of 3)")
    case.command("offer_service", BARTERING, "a takes barter from now on")
    even = _provided_barter(case, "d", 1, _bartered(20, 10))
    back = reciprocal_id(even, case.node_id)
    _delivered(case, even, 20, "d's leg, 200")
    _usage(case, back, 1, 20, QUICK, "d's reciprocal leg: 20 units at 10", sender="d")
    done = InformDone(neg=back, reports=1, charged=200)
    case.send("d", done, "d's leg is done at 200: both legs settle together")
    uneven = _provided_barter(case, "e", 2, _bartered(10, 15))
    other = reciprocal_id(uneven, case.node_id)
    _usage(case, other, 1, 10, QUICK, "e's reciprocal leg: 10 units at 15", sender="e")
    case.send("e", InformDone(neg=other, reports=1, charged=150), "e's leg done: 150")
    _delivered(case, uneven, 20, "a's leg, 200: e owes the difference, 50")
    case.send("e", Payment(neg=uneven, amount=50), "e pays 50: both legs settle")
    dear = _provided_barter(case, "f", 3, _bartered(20, 15))
    back = reciprocal_id(dear, case.node_id)
    _usage(case, back, 1, 20, QUICK, "f's leg: 20 units at 15", sender="f")
    case.send("f", InformDone(neg=back, reports=1, charged=300), "f's leg done: 300")
    _delivered(case, dear, 20, "a's leg, 200, closes last: a owes 100")
    case.command("pay", Pay(neg=back), "a pays f the difference, 100")
    cut = _provided_barter(case, "g", 4, _bartered(10, 10))
    back = reciprocal_id(cut, case.node_id)
    case.send("g", Terminate(neg=back), "g ends its leg before any usage: nothing due, not settled")
    _delivered(case, cut, 20, "a's leg, 200: g owes it all")
    case.send("g", Payment(neg=cut, amount=200), "g pays 200: both legs settle")
    return case.trace()


def consumer_barter(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/consumer/barter-001",
        "a consumer pays with a service of its own: once the SLA holds it provides the "
        "reciprocal leg (starting it, reporting, finishing), and pays the difference of the "
        "two legs' dues when both have closed",
        ("positive",),
    )
    neg = _consumed(case, 1, _bartered(10, 15))
    back = reciprocal_id(neg, case.peer("p").node_id)
    _delivered(case, back, 10, "a's reciprocal leg, 150")
    _usage(case, neg, 1, 20, GOOD, "p's leg: 20 units")
    case.send("p", InformDone(neg=neg, reports=1, charged=200), "p's leg done at 200")
    case.command("pay", Pay(neg=neg), "a owes 200 - 150: it pays 50, both legs settle")
    return case.trace()


def barter_refusals(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/consumer/barter-refusals-001",
        "a barter leg is never settled alone: a payment for it, made or received, while the "
        "other leg is open is refused; so are a payment by the party that is owed, of another "
        "amount than the difference, and a second one",
        ATTACK,
        ("BarterUnsettled", "WrongPayment", "DoublePayment"),
    )
    neg = _consumed(case, 1, _bartered(10, 25))
    back = reciprocal_id(neg, case.peer("p").node_id)
    _usage(case, neg, 1, 20, GOOD, "p's leg: 20 units", at=START)
    case.send("p", InformDone(neg=neg, reports=1, charged=200), "p's leg done at 200")
    case.command("pay", Pay(neg=neg), "a pays while its own leg runs", error=E.SLA_BARTER_UNSETTLED)
    _delivered(case, back, 10, "a's leg, 250: p owes 50")
    case.command("pay", Pay(neg=neg), "a pays although it is owed", error=E.SLA_WRONG_PAYMENT)
    case.send("p", Payment(neg=back, amount=40), "p pays 40 of 50", error=E.SLA_WRONG_PAYMENT)
    case.send("p", Payment(neg=back, amount=50), "p pays 50: both legs settle")
    case.send("p", Payment(neg=back, amount=50), "p pays again", error=E.SLA_SETTLED)
    second = _consumed(case, 2, _bartered(10, 25))
    other = reciprocal_id(second, case.peer("p").node_id)
    _delivered(case, other, 10, "a's second leg, 250")
    case.send(
        "p",
        Payment(neg=other, amount=250),
        "p pays for a's leg while its own is open",
        error=E.SLA_BARTER_UNSETTLED,
    )
    return case.trace()


def settlement_cases(generator: Generator) -> Iterator[Trace]:
    yield provider_payment(generator)
    yield consumer_payment(generator)
    yield payment_refusals(generator)
    yield provider_barter(generator)
    yield consumer_barter(generator)
    yield barter_refusals(generator)
    yield barter_room(generator)


def barter_room(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/provider/barter-room-001",
        "a barter holds two entries, so agreements can take a node past max_open (at most "
        "twice it): while it holds max_open or more, a new negotiation is refused",
        ATTACK,
        ("NegotiationFlood",),
    )
    case.command("offer_service", BARTERING, "a takes barter (max_open 4)")
    wanted = _bartered(10, 10)
    offered: list[tuple[str, bytes, bytes]] = []
    for index, consumer in enumerate(("c", "d", "e"), start=1):
        neg = case.peer(consumer).node_id + f"nonce-{index:02d}".encode()
        cfp = Cfp(neg=neg, round=1, deadline=case.now + DEADLINE, requirements=wanted)
        out = case.send(consumer, cfp, f"{consumer}'s barter cfp: {index} held")
        body = body_of(out[0].frame)
        assert isinstance(body, Propose)
        offered.append((consumer, neg, body.terms))
    for held, (consumer, neg, frame) in zip((4, 5), offered, strict=False):
        _, terms = open_terms(frame, "terms")
        acceptance = case.acceptance(consumer, neg, terms)
        note = f"{consumer} accepts: its reciprocal leg is held too, {held} held"
        case.send(consumer, AcceptProposal(neg=neg, acceptance=acceptance), note)
    extra = case.peer("f").node_id + b"nonce-01"
    cfp = Cfp(neg=extra, round=1, deadline=case.now + DEADLINE, requirements=wanted)
    case.send("f", cfp, "5 held, max_open 4: f's cfp is refused", error=E.SLA_TOO_MANY)
    return case.trace()
