"""Hand-written ``sla`` cases where node ``a`` is the consumer: opening a negotiation, the
provider's answers, counter-offers, accepting and rejecting, the SLA, and every refusal."""

from collections.abc import Iterator
from typing import Final

from reference.corpus.auction_casekit import body_of, flip_signature
from reference.corpus.sla_casekit import (
    ATTACK,
    EDGE,
    LATENCY,
    NONCE,
    PARAMS,
    WANTED,
    CaseError,
    SlaCase,
    guarantee,
)
from spec.v1 import errors as E
from spec.v1.sla.commands import Accept, Counter, Negotiate, Reject
from spec.v1.sla.messages import (
    Acceptance,
    AcceptProposal,
    Agreement,
    Propose,
    Refuse,
    Requirements,
)
from spec.v1.trace import Generator, Output, Trace

DEADLINE = 60


def _negotiate(
    case: SlaCase, note: str, *, nonce: bytes = NONCE, deadline: int = DEADLINE, **kwargs: object
) -> bytes:
    """``a`` opens a negotiation with ``p``; its id."""
    args = Negotiate(
        provider=case.peer("p").node_id, nonce=nonce, deadline=deadline, requirements=WANTED
    )
    case.command("negotiate", args, note, **kwargs)  # type: ignore[arg-type]
    return case.node_id + nonce


def _propose(
    case: SlaCase,
    neg: bytes,
    round_: int,
    note: str,
    *,
    wanted: Requirements = WANTED,
    price: int = 10,
    signer: str = "p",
    sender: str = "p",
    **kwargs: object,
) -> bytes:
    """``sender`` proposes terms for ``wanted`` at ``price``, signed by ``signer``; the frame."""
    terms = case.terms("p", None, round_, wanted, price, neg=neg)
    frame = case.peer(signer).inner(terms)
    case.send(sender, Propose(neg=neg, round=round_, terms=frame), note, **kwargs)
    return frame


def _refuse(case: SlaCase, neg: bytes, round_: int, note: str, **kwargs: object) -> None:
    sender = str(kwargs.pop("sender", "p"))
    body = Refuse(neg=neg, round=round_, reason="price", ask=10)
    case.send(sender, body, note, **kwargs)


def _acceptance(out: tuple[Output, ...]) -> bytes:
    for item in out:
        body = body_of(item.frame)
        if isinstance(body, AcceptProposal):
            return body.acceptance
    raise CaseError("a sent no accept_proposal")


def agree(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/consumer/agree-001",
        "a consumer sends a cfp, takes the provider's signed terms, accepts them and holds "
        "the SLA once the provider confirms it",
        ("positive",),
    )
    neg = _negotiate(case, "a asks p: 20 units at most 12 each, until tick 60")
    terms = _propose(case, neg, 1, "p proposes 10 a unit, signed")
    out = case.command("accept", Accept(neg=neg), "a accepts: it signs the terms' digest")
    acceptance = _acceptance(out)
    case.send("p", Agreement(neg=neg, terms=terms, acceptance=acceptance), "p confirms the SLA")
    return case.trace()


def rounds(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/consumer/rounds-001",
        "a consumer counters a refusal and then a proposal, and its negotiation ends when "
        "the provider refuses the last round",
        ("positive",),
    )
    neg = _negotiate(case, "a asks p")
    _refuse(case, neg, 1, "p refuses round 1 (price, asks 10)")
    cheaper = WANTED.model_copy(update={"units": 10})
    case.command("counter", Counter(neg=neg, requirements=cheaper), "a counters: 10 units")
    _propose(case, neg, 2, "p proposes 10 units", wanted=cheaper)
    case.command("counter", Counter(neg=neg, requirements=WANTED), "a counters: 20 units again")
    _refuse(case, neg, 3, "p refuses the last round: the negotiation ends")
    return case.trace()


def walk_away(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/consumer/walk-away-001",
        "a consumer rejects a proposal, gives up after a refusal, and forgets negotiations "
        "in every state when their deadline timers fire",
        ("positive",),
    )
    one = _negotiate(case, "negotiation 1", nonce=b"nonce-01")
    _propose(case, one, 1, "p proposes")
    case.command("reject", Reject(neg=one), "a rejects the proposal")
    two = _negotiate(case, "negotiation 2", nonce=b"nonce-02")
    _refuse(case, two, 1, "p refuses")
    case.command("reject", Reject(neg=two), "a gives up")
    calling = _negotiate(case, "negotiation 3, unanswered", nonce=b"nonce-03", deadline=30)
    proposed = _negotiate(case, "negotiation 4", nonce=b"nonce-04", deadline=30)
    _propose(case, proposed, 1, "p proposes in 4")
    refused = _negotiate(case, "negotiation 5", nonce=b"nonce-05", deadline=30)
    _refuse(case, refused, 1, "p refuses 5")
    accepting = _negotiate(case, "negotiation 6", nonce=b"nonce-06", deadline=30)
    _propose(case, accepting, 1, "p proposes in 6")
    case.command("accept", Accept(neg=accepting), "a accepts 6; p never confirms")
    for neg, state in ((calling, "calling"), (proposed, "proposed"), (refused, "refused")):
        case.timer(case.deadline_timer(neg), f"tick 31: forgotten while {state}", at=31)
    case.timer(case.deadline_timer(accepting), "tick 31: forgotten while accepting", at=31)
    return case.trace()


def command_refusals(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/consumer/command-refusals-001",
        "the application's commands are refused: negotiating with itself, a deadline out of "
        "range, beyond max_open, a counter-offer after the last round, and anything after "
        "the deadline",
        EDGE,
        ("NotParty", "LateNegotiation", "NegotiationFlood", "RoundLimit"),
    )
    me = Negotiate(provider=case.node_id, nonce=NONCE, deadline=DEADLINE, requirements=WANTED)
    case.command("negotiate", me, "a negotiates with itself", error=E.SLA_NOT_PARTY)
    _negotiate(case, "a deadline before now", deadline=1, at=3, error=E.SLA_BAD_DEADLINE)
    _negotiate(case, "a deadline 101 ticks ahead", deadline=105, at=4, error=E.SLA_BAD_DEADLINE)
    neg = _negotiate(case, "negotiation 1 (deadline 60)", at=5)
    other = _negotiate(case, "negotiation 2", nonce=b"nonce-02")
    _negotiate(case, "negotiation 3", nonce=b"nonce-03")
    _negotiate(case, "negotiation 4", nonce=b"nonce-04")
    _negotiate(case, "a fifth", nonce=b"nonce-05", error=E.SLA_TOO_MANY)
    _propose(case, neg, 1, "p proposes in 1")
    case.command("counter", Counter(neg=neg, requirements=WANTED), "round 2")
    _propose(case, neg, 2, "p proposes round 2")
    case.command("counter", Counter(neg=neg, requirements=WANTED), "round 3, the last")
    _propose(case, neg, 3, "p proposes round 3")
    case.command(
        "counter", Counter(neg=neg, requirements=WANTED), "a round 4", error=E.SLA_ROUND_LIMIT
    )
    _refuse(case, other, 1, "p refuses negotiation 2")
    late = DEADLINE + 1
    for name, args in (
        ("accept", Accept(neg=neg)),
        ("reject", Reject(neg=neg)),
        ("counter", Counter(neg=neg, requirements=WANTED)),
    ):
        case.command(
            name,
            args,
            f"{name} after the deadline (proposed)",
            at=late,
            error=E.SLA_DEADLINE_PASSED,
        )
    for name, args in (
        ("counter", Counter(neg=other, requirements=WANTED)),
        ("reject", Reject(neg=other)),
    ):
        case.command(
            name, args, f"{name} after the deadline (refused)", at=late, error=E.SLA_DEADLINE_PASSED
        )
    return case.trace()


def answer_refusals(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/consumer/answer-refusals-001",
        "the provider's answers are refused from a third node, for another round, signed by "
        "another key, with altered terms, after the deadline; an SLA that is not the one "
        "accepted is refused",
        ATTACK,
        (
            "NotParty",
            "WrongRound",
            "WrongSigner",
            "BadSignature",
            "AlteredSla",
            "LateNegotiation",
            "UnexpectedMessage",
        ),
    )
    neg = _negotiate(case, "a asks p")
    late_one = _negotiate(case, "a second negotiation, deadline 30", nonce=b"nonce-02", deadline=30)
    _propose(case, neg, 1, "q proposes in p's negotiation", sender="q", error=E.SLA_NOT_PARTY)
    _propose(case, neg, 2, "p proposes for round 2", error=E.SLA_BAD_ROUND)
    _propose(case, neg, 1, "terms naming p, signed by q", signer="q", error=E.SLA_WRONG_SIGNER)
    by_q = case.peer("q").inner(case.terms("q", None, 1, WANTED, 10, neg=neg))
    case.send(
        "p",
        Propose(neg=neg, round=1, terms=by_q),
        "terms naming q as provider",
        error=E.SLA_WRONG_SIGNER,
    )
    good = case.peer("p").inner(case.terms("p", None, 1, WANTED, 10, neg=neg))
    case.send(
        "p",
        Propose(neg=neg, round=1, terms=flip_signature(good)),
        "terms with a flipped signature bit",
        error=E.AUTH_BAD_SIGNATURE,
        field="body.terms.signature",
    )
    _propose(case, neg, 1, "13 a unit, above max_price 12", price=13, error=E.SLA_ALTERED_SLA)
    more = WANTED.model_copy(update={"units": 21})
    _propose(case, neg, 1, "21 units, not 20", wanted=more, error=E.SLA_ALTERED_SLA)
    case.send(
        "p",
        case.terms("p", None, 1, WANTED, 10, neg=neg),
        "bare terms sent as a message",
        error=E.MACHINE_NO_TRANSITION,
    )
    _refuse(case, neg, 1, "q refuses in p's negotiation", sender="q", error=E.SLA_NOT_PARTY)
    _refuse(case, neg, 2, "p refuses round 2", error=E.SLA_BAD_ROUND)
    _propose(
        case,
        late_one,
        1,
        "p proposes after negotiation 2's deadline",
        at=31,
        error=E.SLA_DEADLINE_PASSED,
    )
    _refuse(case, late_one, 1, "p refuses after it", at=31, error=E.SLA_DEADLINE_PASSED)
    case.timer(case.deadline_timer(late_one), "negotiation 2 is forgotten", at=31)
    terms = _propose(case, neg, 1, "p's real proposal")
    acceptance = _acceptance(case.command("accept", Accept(neg=neg), "a accepts"))
    sla = Agreement(neg=neg, terms=terms, acceptance=acceptance)
    case.send("q", sla, "q sends the SLA", error=E.SLA_NOT_PARTY)
    cheaper = case.peer("p").inner(case.terms("p", None, 1, WANTED, 11, neg=neg))
    case.send(
        "p",
        sla.model_copy(update={"terms": cheaper}),
        "an SLA at 11 a unit",
        error=E.SLA_ALTERED_SLA,
    )
    case.send(
        "p",
        sla.model_copy(update={"acceptance": terms}),
        "an SLA whose acceptance is not a's",
        error=E.SLA_ALTERED_SLA,
    )
    case.send("p", sla, "the SLA after the deadline", at=DEADLINE + 1, error=E.SLA_DEADLINE_PASSED)
    return case.trace()


def consumer_cases(generator: Generator) -> Iterator[Trace]:
    yield agree(generator)
    yield rounds(generator)
    yield walk_away(generator)
    yield command_refusals(generator)
    yield answer_refusals(generator)
    yield terms_checks(generator)
    yield deadline_edges(generator)


__all__ = ["PARAMS", "consumer_cases"]


def _altered(case: SlaCase, at: bytes, round_: int, **changes: object) -> bytes:
    """p's signed terms for the round's requirements in negotiation ``at``, with ``changes``
    made to them (a copy that skips the terms' own checks, as a forger's would)."""
    terms = case.terms("p", None, round_, BIG, 10, neg=at).model_copy(update=changes)
    return case.peer("p").inner(terms)


BIG: Final = WANTED.model_copy(update={"units": 300, "max_price": 12, "start": 400, "end": 900})
"""Requirements whose numbers are above 256, so that comparing them by identity (a bug that
small cached integers hide) is told apart from comparing them by value."""


def terms_checks(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/consumer/terms-checks-001",
        "a consumer refuses terms that change any one requirement, either way, or that a "
        "third key signed or that name another provider; terms at exactly max_price are taken, "
        "and an SLA whose frames sort before or after the accepted ones is refused",
        ATTACK,
        ("AlteredSla", "WrongSigner"),
    )
    args = Negotiate(provider=case.peer("y").node_id, nonce=NONCE, deadline=90, requirements=BIG)
    case.command("negotiate", args, "a asks y, whose id is below a's: a cfp to y")
    args = args.model_copy(update={"provider": case.peer("p").node_id, "nonce": b"nonce-02"})
    case.command("negotiate", args, "a asks p")
    neg = case.node_id + b"nonce-02"
    case.send("p", Refuse(neg=neg, round=1, reason="price", ask=10), "p refuses round 1")
    case.command("counter", Counter(neg=neg, requirements=BIG), "round 2, the same requirements")
    for forger in ("q", "y"):
        terms = case.peer(forger).inner(case.terms("p", None, 2, BIG, 10, neg=neg))
        case.send(
            "p",
            Propose(neg=neg, round=2, terms=terms),
            f"terms naming p, signed by {forger}",
            error=E.SLA_WRONG_SIGNER,
        )
        named = case.peer("p").inner(case.terms(forger, None, 2, BIG, 10, neg=neg))
        case.send(
            "p",
            Propose(neg=neg, round=2, terms=named),
            f"p signs terms naming {forger}",
            error=E.SLA_WRONG_SIGNER,
        )
    case.send(
        "p",
        Propose(neg=neg, round=2, terms=b"\xff"),
        "terms that are not CBOR",
        error=E.DECODE_MALFORMED,
        field="body.terms@0",
    )
    stale = case.peer("p").inner(case.terms("p", None, 1, BIG, 10, neg=neg))
    case.send(
        "p",
        Propose(neg=neg, round=1, terms=stale),
        "a proposal for round 1, in round 2",
        error=E.SLA_BAD_ROUND,
    )
    other = BIG.model_copy(update={"service": bytes.fromhex("00" * 16)})
    changes: list[tuple[str, dict[str, object]]] = [
        ("another negotiation (lower id)", {"neg": case.node_id + b"nonce-00"}),
        ("another negotiation (higher id)", {"neg": case.node_id + b"nonce-99"}),
        ("round 1", {"round": 1}),
        ("round 3", {"round": 3}),
        ("another service (lower)", {"service": other.service}),
        ("another service (higher)", {"service": bytes.fromhex("ff" * 16)}),
        ("299 units", {"units": 299}),
        ("301 units", {"units": 301}),
        ("no guarantees", {"guarantees": ()}),
        (
            "one guarantee more",
            {
                "guarantees": (
                    *BIG.guarantees,
                    guarantee(LATENCY, 50).model_copy(update={"metric": "zz"}),
                )
            },
        ),
        ("start 399", {"start": 399}),
        ("start 401", {"start": 401}),
        ("end 899", {"end": 899}),
        ("end 901", {"end": 901}),
    ]
    for note, change in changes:
        frame = _altered(case, neg, 2, **change)
        case.send(
            "p",
            Propose(neg=neg, round=2, terms=frame),
            f"terms with {note}",
            error=E.SLA_ALTERED_SLA,
        )
    exact = _altered(case, neg, 2, unit_price=12)
    case.send("p", Propose(neg=neg, round=2, terms=exact), "12 a unit: exactly max_price, taken")
    out = case.command("accept", Accept(neg=neg), "a accepts")
    acceptance = next(
        body.acceptance
        for body in (body_of(o.frame) for o in out)
        if isinstance(body, AcceptProposal)
    )
    sla = Agreement(neg=neg, terms=exact, acceptance=acceptance)
    lower, higher = _either_side(exact, [_altered(case, neg, 2, unit_price=p) for p in (11, 13)])
    for frame, side in ((lower, "before"), (higher, "after")):
        case.send(
            "p",
            sla.model_copy(update={"terms": frame}),
            f"terms that sort {side} the offer",
            error=E.SLA_ALTERED_SLA,
        )
    others = [
        case.peer("p").inner(Acceptance(neg=neg, consumer=case.node_id, terms=bytes([b]) * 32))
        for b in (0x00, 0xFF)
    ]
    lower, higher = _either_side(acceptance, others)
    for frame, side in ((lower, "before"), (higher, "after")):
        case.send(
            "p",
            sla.model_copy(update={"acceptance": frame}),
            f"an acceptance that sorts {side} a's",
            error=E.SLA_ALTERED_SLA,
        )
    case.send("p", sla, "the SLA as accepted")
    return case.trace()


def _either_side(pivot: bytes, frames: list[bytes]) -> tuple[bytes, bytes]:
    """One of ``frames`` that sorts before ``pivot`` and one that sorts after it."""
    below = [f for f in frames if f < pivot]
    above = [f for f in frames if f > pivot]
    if not below or not above:
        raise CaseError("no frame on each side of the pivot")
    return below[0], above[0]


def deadline_edges(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/consumer/deadline-edges-001",
        "the deadline tick itself still counts (a deadline of now, a proposal and an "
        "acceptance at the deadline), and the deadline timer is not due before deadline + 1",
        EDGE,
        ("LateNegotiation",),
    )
    now = _negotiate(case, "a deadline of tick 1, now: accepted", nonce=b"nonce-00", deadline=1)
    case.timer(case.deadline_timer(now), "tick 2: forgotten", at=2)
    neg = _negotiate(case, "a asks p, deadline 21", deadline=21)
    _propose(case, neg, 1, "p proposes at tick 21, the deadline", at=21)
    case.timer(
        case.deadline_timer(neg), "the timer fired at tick 21", at=21, error=E.MACHINE_NO_TRANSITION
    )
    case.command("accept", Accept(neg=neg), "a accepts at tick 21", at=21)
    case.timer(case.deadline_timer(neg), "tick 22: no SLA came, forgotten", at=22)
    return case.trace()
