"""Hand-written ``sla`` cases of an agreement's life: the provider starting the service,
usage reports and their charge, the breach rule, completion, termination by either party,
the records both keep, and every refusal, with ``a`` as provider and as consumer."""

from collections.abc import Iterator

from reference.corpus.auction_casekit import body_of
from reference.corpus.sla_casekit import (
    ATTACK,
    EDGE,
    LATENCY,
    OFFER,
    PARAMS,
    THROUGHPUT,
    WANTED,
    CaseError,
    SlaCase,
    guarantee,
)
from reference.sla.frames import open_terms
from spec.v1 import errors as E
from spec.v1.sla.commands import Accept, End, Finish, Negotiate, ReportUsage, Start
from spec.v1.sla.messages import (
    AcceptProposal,
    Agreement,
    Cfp,
    InformDone,
    Measure,
    Propose,
    Requirements,
    Terminate,
    Usage,
)
from spec.v1.trace import Generator, Output, Trace

DEADLINE = 30
"""Every negotiation's deadline is 30 ticks after it opens."""
START = WANTED.start

GOOD = (Measure(metric="latency", value=35), Measure(metric="throughput", value=900))
"""Measures inside both of WANTED's bounds."""
SLOW = (Measure(metric="latency", value=70), Measure(metric="throughput", value=900))
"""Latency outside its bound (at most 50 ms)."""


def _nonce(index: int) -> bytes:
    return f"nonce-{index:02d}".encode()


def _provided(case: SlaCase, consumer: str, index: int = 1) -> bytes:
    """``consumer`` negotiates with ``a`` (which offers OFFER) and accepts: the agreement."""
    neg = case.peer(consumer).node_id + _nonce(index)
    cfp = Cfp(neg=neg, round=1, deadline=case.now + DEADLINE, requirements=WANTED)
    out = case.send(consumer, cfp, f"{consumer}'s cfp ({index})")
    body = body_of(out[0].frame)
    assert isinstance(body, Propose)
    _, terms = open_terms(body.terms, "terms")
    frame = case.acceptance(consumer, neg, terms)
    case.send(consumer, AcceptProposal(neg=neg, acceptance=frame), f"{consumer} accepts")
    return neg


def _consumed(
    case: SlaCase, index: int = 1, wanted: Requirements = WANTED, price: int = 10
) -> bytes:
    """``a`` negotiates with ``p``, which proposes at ``price``; ``a`` accepts; ``p`` sends
    the SLA."""
    nonce = _nonce(index)
    args = Negotiate(
        provider=case.peer("p").node_id,
        nonce=nonce,
        deadline=case.now + DEADLINE,
        requirements=wanted,
    )
    case.command("negotiate", args, f"a asks p ({index})")
    neg = case.node_id + nonce
    terms = case.peer("p").inner(case.terms("p", None, 1, wanted, price, neg=neg))
    case.send("p", Propose(neg=neg, round=1, terms=terms), f"p proposes {price} a unit")
    out = case.command("accept", Accept(neg=neg), "a accepts")
    sent = _only(out, AcceptProposal)
    assert isinstance(sent, AcceptProposal)
    acceptance = sent.acceptance
    case.send("p", Agreement(neg=neg, terms=terms, acceptance=acceptance), "p sends the SLA")
    return neg


def _only(out: tuple[Output, ...], kind: type) -> object:
    found = [body_of(o.frame) for o in out if isinstance(body_of(o.frame), kind)]
    if len(found) != 1:
        raise CaseError(f"expected one {kind.__name__}, got {found}")
    return found[0]


def _report(
    case: SlaCase, neg: bytes, units: int, measures: tuple[Measure, ...], note: str, **kw: object
) -> None:
    case.command("usage", ReportUsage(neg=neg, units=units, measures=measures), note, **kw)  # type: ignore[arg-type]


def _usage(
    case: SlaCase,
    neg: bytes,
    seq: int,
    units: int,
    measures: tuple[Measure, ...],
    note: str,
    *,
    sender: str = "p",
    **kw: object,
) -> None:
    body = Usage(neg=neg, seq=seq, units=units, measures=measures)
    case.send(sender, body, note, **kw)


def provider_deliver(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/provider/deliver-001",
        "a provider starts the service at the agreement's start tick, reports usage within "
        "the guarantees, each charged at the tariff, and finishes it: the agreement completes "
        "and both the consumer and the record state the charge",
        ("positive",),
    )
    case.command("offer_service", OFFER, "a offers the service")
    neg = _provided(case, "c")
    case.command("start", Start(neg=neg), "tick 40: the instance starts (H, I)", at=START)
    _report(case, neg, 5, GOOD, "5 units within both bounds: charged 50")
    _report(case, neg, 7, GOOD, "7 more: charged 120 in all")
    case.command("finish", Finish(neg=neg), "the instance is done: inform_done, completed")
    return case.trace()


def provider_breach(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/provider/breach-001",
        "a report inside the bound resets a guarantee's run; the third report in a row "
        "outside it breaches the agreement, which closes violated with its penalty",
        ("positive",),
    )
    case.command("offer_service", OFFER, "a offers the service")
    neg = _provided(case, "c")
    case.command("start", Start(neg=neg), "the instance starts", at=START)
    _report(case, neg, 1, SLOW, "latency 70 ms: out of bound (1 in a row)")
    _report(case, neg, 1, GOOD, "35 ms: the run resets")
    _report(case, neg, 1, SLOW, "out (1)")
    only_latency = (Measure(metric="latency", value=70),)
    _report(case, neg, 1, only_latency, "out (2), throughput missing: out too (1)")
    _report(case, neg, 2, SLOW, "out (3): the window of 3 is full, violated; penalty 25%")
    return case.trace()


def provider_terminate(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/provider/terminate-001",
        "either party ends an agreement before it completes, before or while its service "
        "runs; each closes as terminated with what was charged",
        ("positive",),
    )
    case.command("offer_service", OFFER, "a offers the service")
    first = _provided(case, "c")
    case.command("terminate", End(neg=first), "a ends c's agreement before it starts")
    second = _provided(case, "d")
    case.send("d", Terminate(neg=second), "d ends its agreement before it starts")
    third = _provided(case, "e")
    fourth = _provided(case, "f")
    case.command("start", Start(neg=third), "e's service starts", at=START)
    _report(case, third, 3, GOOD, "3 units for e")
    case.send("e", Terminate(neg=third), "e ends it while it runs: charged 30")
    case.command("start", Start(neg=fourth), "f's service starts")
    case.command("terminate", End(neg=fourth), "a ends f's while it runs")
    return case.trace()


def provider_refusals(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/provider/execution-refusals-001",
        "a provider refuses to start outside the agreement's period, usage and completion "
        "sent to it by its consumer, a third node's termination, usage beyond the units, and "
        "usage for an agreement that closed or that it never held",
        ATTACK,
        ("OutOfPeriod", "NotParty", "OverUsage", "UnknownAgreement"),
    )
    case.command("offer_service", OFFER, "a offers the service")
    neg = _provided(case, "c")
    waiting = _provided(case, "d")
    late = _provided(case, "e")
    case.command(
        "start",
        Start(neg=neg),
        "tick 39, before the start",
        at=START - 1,
        error=E.SLA_OUTSIDE_PERIOD,
    )
    case.command("start", Start(neg=neg), "tick 40: started", at=START)
    body = Usage(neg=waiting, seq=1, units=1, measures=GOOD)
    case.send("d", body, "d sends a usage report to its provider", error=E.SLA_NOT_PARTY)
    done = InformDone(neg=waiting, reports=0, charged=0)
    case.send("d", done, "d says its own service is done", error=E.SLA_NOT_PARTY)
    case.send("e", Terminate(neg=waiting), "e ends d's agreement", error=E.SLA_NOT_PARTY)
    case.send(
        "c",
        body.model_copy(update={"neg": neg}),
        "c sends usage to its provider",
        error=E.SLA_NOT_PARTY,
    )
    case.send("c", done.model_copy(update={"neg": neg}), "c says it is done", error=E.SLA_NOT_PARTY)
    case.send("e", Terminate(neg=neg), "e ends c's agreement", error=E.SLA_NOT_PARTY)
    _report(case, neg, 21, GOOD, "21 units of 20", error=E.SLA_OVER_UNITS)
    _report(case, neg, 20, GOOD, "all 20 units")
    case.command("finish", Finish(neg=neg), "c's agreement completes")
    _report(
        case, neg, 0, GOOD, "a report for the completed agreement", error=E.SLA_AGREEMENT_CLOSED
    )
    never = case.peer("g").node_id + _nonce(9)
    _report(
        case,
        never,
        0,
        GOOD,
        "a report for an agreement a never held",
        error=E.SLA_UNKNOWN_AGREEMENT,
    )
    case.command("start", Start(neg=waiting), "d's at tick 90, the end: started", at=WANTED.end)
    case.command(
        "start",
        Start(neg=late),
        "e's at tick 91, after the end",
        at=WANTED.end + 1,
        error=E.SLA_OUTSIDE_PERIOD,
    )
    return case.trace()


def consumer_deliver(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/consumer/deliver-001",
        "a consumer records the provider's usage reports and their charge, and completes the "
        "agreement when the provider's final charge is the tariff applied to them",
        ("positive",),
    )
    neg = _consumed(case)
    _usage(case, neg, 1, 5, GOOD, "report 1: 5 units, the service runs (observed)", at=START)
    _usage(case, neg, 2, 7, GOOD, "report 2: 7 units")
    case.send("p", InformDone(neg=neg, reports=2, charged=120), "done: 2 reports, 120")
    return case.trace()


def consumer_breach(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/consumer/breach-001",
        "a consumer applies the breach rule to the reports it receives: a window of 1 is "
        "breached by the first report out of bound, a window of 3 by the third in a row",
        ("positive",),
    )
    strict = WANTED.model_copy(
        update={"guarantees": (guarantee(LATENCY, 50, window=1), guarantee(THROUGHPUT, 500))}
    )
    one = _consumed(case, 1, strict)
    three = _consumed(case, 2)
    _usage(case, one, 1, 1, SLOW, "agreement 1's first report is out: violated", at=START)
    _usage(case, three, 1, 1, SLOW, "agreement 2: out (1)")
    _usage(case, three, 2, 1, SLOW, "out (2)")
    _usage(case, three, 3, 1, SLOW, "out (3): violated")
    return case.trace()


def consumer_terminate(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/consumer/terminate-001",
        "a consumer ends agreements and hears the provider end them, before and while their "
        "service runs; a service done with no report completes at no charge",
        ("positive",),
    )
    first = _consumed(case, 1)
    second = _consumed(case, 2)
    third = _consumed(case, 3)
    fourth = _consumed(case, 4)
    case.command("terminate", End(neg=first), "a ends agreement 1 before it starts")
    case.send("p", Terminate(neg=second), "p ends agreement 2 before it starts")
    _usage(case, third, 1, 2, GOOD, "agreement 3 runs", at=START)
    case.command("terminate", End(neg=third), "a ends it: charged 20")
    _usage(case, fourth, 1, 2, GOOD, "agreement 4 runs")
    case.send("p", Terminate(neg=fourth), "p ends it")
    fifth = _consumed(case, 5)
    case.send("p", InformDone(neg=fifth, reports=0, charged=0), "done before any report")
    return case.trace()


def consumer_refusals(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/consumer/execution-refusals-001",
        "a consumer refuses to run the provider's side, reports from a third node, out of "
        "sequence or beyond the units, a final charge that does not follow the tariff, a third "
        "node's termination, and reports for agreements closed or never held",
        ATTACK,
        ("NotParty", "UsageOutOfOrder", "OverUsage", "WrongCharge", "UnknownAgreement"),
    )
    neg = _consumed(case)
    case.command(
        "start", Start(neg=neg), "a starts a service it consumes", at=START, error=E.SLA_NOT_PARTY
    )
    _usage(case, neg, 1, 1, GOOD, "q reports usage", sender="q", error=E.SLA_NOT_PARTY)
    _usage(case, neg, 2, 1, GOOD, "report 2 first", error=E.SLA_BAD_SEQ)
    _usage(case, neg, 1, 21, GOOD, "21 units of 20", error=E.SLA_OVER_UNITS)
    case.send("q", InformDone(neg=neg, reports=0, charged=0), "q says done", error=E.SLA_NOT_PARTY)
    case.send(
        "p",
        InformDone(neg=neg, reports=0, charged=5),
        "done, charging 5 for nothing",
        error=E.SLA_WRONG_CHARGE,
    )
    case.send("q", Terminate(neg=neg), "q ends the agreement", error=E.SLA_NOT_PARTY)
    _usage(case, neg, 1, 4, GOOD, "report 1: 4 units (observed)")
    _report(case, neg, 1, GOOD, "a reports usage of a service it consumes", error=E.SLA_NOT_PARTY)
    case.command("finish", Finish(neg=neg), "a finishes it", error=E.SLA_NOT_PARTY)
    _usage(case, neg, 2, 1, GOOD, "q reports", sender="q", error=E.SLA_NOT_PARTY)
    _usage(case, neg, 1, 1, GOOD, "report 1 again", error=E.SLA_BAD_SEQ)
    _usage(case, neg, 2, 17, GOOD, "4 + 17 units of 20", error=E.SLA_OVER_UNITS)
    case.send("q", InformDone(neg=neg, reports=1, charged=40), "q says done", error=E.SLA_NOT_PARTY)
    case.send(
        "p",
        InformDone(neg=neg, reports=1, charged=41),
        "done at 41, not 40",
        error=E.SLA_WRONG_CHARGE,
    )
    case.send(
        "p",
        InformDone(neg=neg, reports=2, charged=40),
        "done with 2 reports, not 1",
        error=E.SLA_WRONG_CHARGE,
    )
    case.send("q", Terminate(neg=neg), "q ends it", error=E.SLA_NOT_PARTY)
    case.send("p", InformDone(neg=neg, reports=1, charged=40), "done: 1 report, 40")
    _usage(
        case, neg, 2, 1, GOOD, "a report for the completed agreement", error=E.SLA_AGREEMENT_CLOSED
    )
    never = case.node_id + _nonce(9)
    _usage(
        case,
        never,
        1,
        1,
        GOOD,
        "a report for an agreement never held",
        error=E.SLA_UNKNOWN_AGREEMENT,
    )
    return case.trace()


def agreement_cases(generator: Generator) -> Iterator[Trace]:
    yield provider_deliver(generator)
    yield provider_breach(generator)
    yield provider_terminate(generator)
    yield provider_refusals(generator)
    yield consumer_deliver(generator)
    yield consumer_breach(generator)
    yield consumer_terminate(generator)
    yield consumer_refusals(generator)
    yield provider_accounting_edges(generator)
    yield consumer_accounting_edges(generator)
    yield provider_period_end(generator)
    yield consumer_period_end(generator)


def provider_accounting_edges(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/provider/accounting-edges-001",
        "accounting at its edges: a penalty rounded down from a charge of 40,010, throughput "
        "exactly at its bound inside it and below it outside, usage adding up to exactly the "
        "agreement's units but not beyond, and the oldest record dropped beyond max_records",
        EDGE,
        ("OverUsage",),
        params=PARAMS.model_copy(update={"max_records": 2}),
    )
    case.command("offer_service", OFFER.model_copy(update={"max_units": 5000}), "a offers")
    strict = WANTED.model_copy(
        update={
            "units": 4001,
            "max_price": 10,
            "guarantees": (guarantee(LATENCY, 50, window=1),),
        }
    )
    big = case.peer("c").node_id + _nonce(1)
    cfp = Cfp(neg=big, round=1, deadline=case.now + DEADLINE, requirements=strict)
    out = case.send("c", cfp, "c asks for 4,001 units")
    body = body_of(out[0].frame)
    assert isinstance(body, Propose)
    _, terms = open_terms(body.terms, "terms")
    frame = case.acceptance("c", big, terms)
    case.send("c", AcceptProposal(neg=big, acceptance=frame), "c accepts")
    neg = _provided(case, "d")
    last = _provided(case, "e")
    case.command("start", Start(neg=big), "c's service starts", at=START)
    _report(case, big, 4001, SLOW, "4,001 units at 70 ms: violated; penalty floor(10,002.5)")
    case.command("start", Start(neg=neg), "d's service starts")
    at_bound = (Measure(metric="latency", value=35), Measure(metric="throughput", value=500))
    _report(case, neg, 12, at_bound, "12 units at exactly 500 kbit/s: inside")
    _report(case, neg, 12, GOOD, "12 more: 24 of 20", error=E.SLA_OVER_UNITS)
    below = (Measure(metric="latency", value=35), Measure(metric="throughput", value=300))
    _report(case, neg, 8, below, "8 more, exactly 20, at 300 kbit/s: outside (1 in a row)")
    case.command("finish", Finish(neg=neg), "d's agreement completes")
    case.command("terminate", End(neg=last), "e's ends: a third record, the first is dropped")
    return case.trace()


def consumer_accounting_edges(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/consumer/accounting-edges-001",
        "a consumer takes usage adding up to exactly the agreement's units but not beyond, "
        "and refuses a final charge or report count below its own",
        EDGE,
        ("OverUsage", "WrongCharge"),
    )
    neg = _consumed(case)
    _usage(case, neg, 1, 12, GOOD, "12 units", at=START)
    _usage(case, neg, 2, 12, GOOD, "12 more: 24 of 20", error=E.SLA_OVER_UNITS)
    _usage(case, neg, 2, 8, GOOD, "8 more: exactly 20")
    case.send(
        "p",
        InformDone(neg=neg, reports=2, charged=199),
        "done at 199, not 200",
        error=E.SLA_WRONG_CHARGE,
    )
    case.send(
        "p",
        InformDone(neg=neg, reports=1, charged=200),
        "done with 1 report, not 2",
        error=E.SLA_WRONG_CHARGE,
    )
    case.send("p", InformDone(neg=neg, reports=2, charged=200), "done: 2 reports, 200")
    more = _consumed(case, 2, WANTED.model_copy(update={"units": 30}))
    at_bound = (Measure(metric="latency", value=50), Measure(metric="throughput", value=900))
    _usage(case, more, 1, 30, at_bound, "30 units at exactly 50 ms: inside; charged 300")
    case.send("p", InformDone(neg=more, reports=1, charged=300), "done: 1 report, 300")
    return case.trace()


def _end(neg: bytes) -> str:
    return f"end.{neg.hex()}"


def provider_period_end(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/provider/period-end-001",
        "an agreement still held when its period ends (its end timer, at end + 1) closes: "
        "violated if its service never started or reported nothing, completed as charged "
        "if usage was reported; not a tick before",
        EDGE,
        ("UnexpectedMessage",),
    )
    case.command("offer_service", OFFER, "a offers the service")
    never = _provided(case, "c")
    silent = _provided(case, "d")
    ran = _provided(case, "e")
    case.command("start", Start(neg=silent), "d's starts, and reports nothing", at=START)
    case.command("start", Start(neg=ran), "e's starts")
    _report(case, ran, 4, GOOD, "4 units for e")
    early = "tick 90, the end tick itself: the period still runs"
    case.timer(_end(never), early, at=90, error=E.MACHINE_NO_TRANSITION)
    case.timer(_end(never), "tick 91: c's never started: violated, nothing charged")
    case.timer(_end(silent), "d's reported nothing: violated")
    case.timer(_end(ran), "e's reported 4 units: completed at 40, e owes it")
    return case.trace()


def consumer_period_end(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/consumer/period-end-001",
        "a consumer closes an agreement still held at the end of its period as its provider "
        "does: violated if no usage came, completed as charged if some did; a report after "
        "that is for a closed agreement; the timer is never a tick early",
        EDGE,
        ("UnknownAgreement", "UnexpectedMessage"),
    )
    never = _consumed(case, 1)
    ran = _consumed(case, 2)
    odd = _consumed(case, 3, WANTED.model_copy(update={"end": 91}))
    _usage(case, ran, 1, 3, GOOD, "3 units reported", at=START)
    case.timer(_end(never), "tick 91: no usage ever came: violated")
    case.timer(_end(ran), "3 units came: completed at 30")
    early = "tick 91, the third's own end tick: its period still runs"
    case.timer(_end(odd), early, at=91, error=E.MACHINE_NO_TRANSITION)
    _usage(case, ran, 2, 1, GOOD, "a late report", error=E.SLA_AGREEMENT_CLOSED)
    case.timer(_end(odd), "tick 92: nothing came: violated")
    return case.trace()
