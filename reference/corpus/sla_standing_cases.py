"""Hand-written ``sla`` cases that read a peer's standing exactly: through the price a
provider asks a consumer (each standing gives another price), and through the threshold
``min_standing`` at a consumer. They pin every term of the metric: what counts for a peer
and what does not, the weight of a failure, the floor at 0, when an unpaid record starts
to count, and that only the peer's own records count; and Pricing's rounding."""

from collections.abc import Iterator
from typing import Final

from reference.corpus.auction_casekit import body_of
from reference.corpus.sla_agreement_cases import DEADLINE, GOOD, SLOW, START, _consumed, _usage
from reference.corpus.sla_casekit import (
    ATTACK,
    OFFER,
    OTHER_SERVICE,
    PARAMS,
    WANTED,
    CaseError,
    SlaCase,
)
from reference.sla.frames import open_terms
from spec.v1 import errors as E
from spec.v1.sla.commands import Finish, Negotiate, Pay, ReportUsage, SetAccess, Start
from spec.v1.sla.messages import (
    AcceptProposal,
    Cfp,
    InformDone,
    Leg,
    Payment,
    Propose,
    RejectProposal,
    Requirements,
    Terminate,
    Terms,
    reciprocal_id,
)
from spec.v1.trace import Generator, Trace

LADDER: Final = PARAMS.model_copy(update={"newcomer_bp": 6000, "pay_within": 5})
"""Each standing its own price at 60 a unit: 96, 78, 72, 69, 68 for standing 0 to 4."""

DEAR: Final = WANTED.model_copy(update={"units": 1, "max_price": 100, "end": 1000})
"""One unit, at up to 100."""


class Seller:
    """``a`` sells to consumers; each asks or deals under a fresh nonce."""

    def __init__(self, case: SlaCase) -> None:
        self.case = case
        self.nonces: dict[str, int] = {}

    def _neg(self, consumer: str) -> bytes:
        self.nonces[consumer] = self.nonces.get(consumer, 0) + 1
        return self.case.peer(consumer).node_id + f"nonce-{self.nonces[consumer]:02d}".encode()

    def _cfp(
        self, consumer: str, note: str, wanted: Requirements = DEAR, **kw: object
    ) -> tuple[bytes, Terms]:
        neg = self._neg(consumer)
        when = kw.get("at", self.case.now + 1)
        assert isinstance(when, int)
        cfp = Cfp(neg=neg, round=1, deadline=when + DEADLINE, requirements=wanted)
        out = self.case.send(consumer, cfp, note, **kw)
        body = body_of(out[0].frame) if out else None
        if not isinstance(body, Propose):
            raise CaseError(f"{self.case.case_id}: {note}: not proposed")
        return neg, open_terms(body.terms, "terms")[1]

    def ask(self, consumer: str, price: int, note: str, *, at: int | None = None) -> None:
        """``consumer`` asks and is proposed ``price``; it then rejects, freeing the slot."""
        when = self.case.now + 1 if at is None else at
        neg, terms = self._cfp(consumer, f"{note}: {price} a unit", at=when)
        if terms.unit_price != price:
            raise CaseError(f"{self.case.case_id}: {note}: asked {terms.unit_price}, not {price}")
        self.case.send(consumer, RejectProposal(neg=neg, round=1), f"{consumer} walks away")

    def deal(
        self,
        consumer: str,
        units: int,
        *,
        pays: bool,
        note: str,
        finish_at: int | None = None,
        wanted: Requirements = DEAR,
    ) -> bytes:
        """``consumer`` agrees to ``wanted``; ``a`` delivers ``units`` and finishes (at
        ``finish_at`` if given); the consumer pays if ``pays``."""
        neg, terms = self._cfp(consumer, f"{note}: {consumer}'s cfp", wanted=wanted)
        asked = terms.unit_price
        frame = self.case.acceptance(consumer, neg, terms)
        self.case.send(consumer, AcceptProposal(neg=neg, acceptance=frame), f"{consumer} accepts")
        self.case.command("start", Start(neg=neg), "started", at=max(self.case.now, START))
        if units:
            args = ReportUsage(neg=neg, units=units, measures=GOOD)
            self.case.command("usage", args, f"{units} unit(s)")
        done = f"done: {units * asked} due"
        self.case.command("finish", Finish(neg=neg), done, at=finish_at)
        if pays and units * asked:
            payment = Payment(neg=neg, amount=units * asked)
            self.case.send(consumer, payment, f"{consumer} pays {units * asked}")
        return neg


def ladder(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/provider/standing-ladder-001",
        "the price a provider asks reads the consumer's standing: a paid agreement counts, "
        "one with nothing due does not, another consumer's never does; an unpaid one counts "
        "against it only after pay_within, twice, and standing never drops below 0",
        ("positive", "edge"),
        params=LADDER,
    )
    offer = OFFER.model_copy(update={"unit_price": 60, "barter": True})
    case.command("offer_service", offer, "60 a unit, barter taken")
    sell = Seller(case)
    sell.ask("c", 96, "newcomer c (standing 0)")
    sell.deal("e", 1, pays=True, note="e buys and pays")
    sell.deal("c", 1, pays=True, note="c buys and pays")
    sell.ask("c", 78, "c (standing 1; e's record is not c's)")
    sell.deal("c", 0, pays=False, note="c's agreement with nothing due")
    sell.ask("c", 78, "still 1: nothing was paid for")
    sell.deal("c", 1, pays=True, note="c pays again")
    sell.ask("c", 72, "standing 2")
    sell.deal("c", 1, pays=True, note="and again")
    sell.ask("c", 69, "standing 3")
    closed = case.now + 8 - (case.now + 3) % 8
    sell.deal("c", 1, pays=False, note="c does not pay", finish_at=closed)
    sell.ask("c", 69, "3 ticks on, unpaid but in time: standing 3", at=closed + 3)
    sell.ask("c", 78, "6 ticks on: 3 - 2 * 1 = 1", at=closed + 6)
    sell.deal("e", 1, pays=False, note="e does not pay")
    sell.ask("e", 96, "6 ticks on: 1 - 2 < 0, floored at 0", at=case.now + 6)
    leg = Leg(service=OTHER_SERVICE, units=1, unit_price=100, guarantees=(), start=START, end=1000)
    bartered = DEAR.model_copy(update={"barter": leg})
    neg = sell.deal("h", 1, pays=False, note="h barters", wanted=bartered)
    back = reciprocal_id(neg, case.node_id)
    _usage(case, back, 1, 1, (), "h delivers its leg: 1 unit at 100", sender="h")
    case.send("h", InformDone(neg=back, reports=1, charged=100), "h's leg is done: a owes 4")
    sell.ask("h", 78, "6 ticks on, a's own debt unpaid: h stands at 1", at=case.now + 6)
    return case.trace()


def edges(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/provider/standing-edges-001",
        "in a market with min_standing 1 and no markup, a due of exactly 1 paid counts for "
        "the consumer, and an unpaid due of exactly 1 against it",
        ATTACK,
        ("DeniedPeer",),
        params=PARAMS.model_copy(update={"min_standing": 1, "pay_within": 5}),
    )
    case.command("offer_service", OFFER.model_copy(update={"unit_price": 1}), "1 a unit")
    allow = SetAccess(peer=case.peer("c").node_id, rule="allow")
    case.command("access", allow, "a allows c")
    sell = Seller(case)
    sell.deal("c", 1, pays=True, note="c pays a due of 1")
    case.command("access", allow.model_copy(update={"rule": "default"}), "a removes the rule")
    sell.ask("c", 1, "c stands on its record: 1")
    sell.deal("c", 1, pays=False, note="c does not pay a due of 1")
    neg = case.peer("c").node_id + b"nonce-99"
    cfp = Cfp(neg=neg, round=1, deadline=case.now + 6 + DEADLINE, requirements=DEAR)
    case.send("c", cfp, "6 ticks on: 1 - 2 < 0, denied", at=case.now + 6, error=E.SLA_DENIED)
    case.command("access", SetAccess(peer=case.peer("p").node_id, rule="allow"), "a allows p")
    bought = _consumed(case, 1, DEAR, price=1)
    _usage(case, bought, 1, 1, GOOD, "a buys 1 unit at 1 from p")
    case.send("p", InformDone(neg=bought, reports=1, charged=1), "done: a owes 1")
    case.command("pay", Pay(neg=bought), "a pays 1")
    case.command("access", SetAccess(peer=case.peer("p").node_id, rule="default"), "no rule")
    ask = Negotiate(
        provider=case.peer("p").node_id,
        nonce=b"nonce-02",
        deadline=case.now + DEADLINE,
        requirements=DEAR,
    )
    case.command("negotiate", ask, "p's charge of 1 counts: standing 1, admitted")
    return case.trace()


def threshold(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/consumer/standing-threshold-001",
        "with min_standing 2 a consumer reads its provider's standing: a completed agreement "
        "with a charge counts, one completed at no charge or terminated does not, a breach "
        "counts against it twice; a due of exactly 1 is paid",
        ATTACK,
        ("DeniedPeer",),
        params=PARAMS.model_copy(update={"min_standing": 2}),
    )
    allow = SetAccess(peer=case.peer("p").node_id, rule="allow")
    case.command("access", allow, "a allows p")
    tiny = WANTED.model_copy(update={"units": 1})
    first = _consumed(case, 1, tiny)
    _usage(case, first, 1, 1, GOOD, "1 unit", at=START)
    case.send("p", InformDone(neg=first, reports=1, charged=10), "done at 10: counts for p")
    case.command("pay", Pay(neg=first), "a pays 10")
    free = _consumed(case, 2, tiny)
    case.send("p", InformDone(neg=free, reports=0, charged=0), "done at no charge: does not")
    cut = _consumed(case, 3, tiny)
    _usage(case, cut, 1, 1, GOOD, "1 unit")
    case.send("p", Terminate(neg=cut), "p ends it at 10: does not count")
    case.command("access", allow.model_copy(update={"rule": "default"}), "a removes the rule")
    ask = Negotiate(
        provider=case.peer("p").node_id,
        nonce=b"nonce-04",
        deadline=case.now + DEADLINE,
        requirements=tiny,
    )
    case.command("negotiate", ask, "p's standing is 1 < 2: denied", error=E.SLA_DENIED)
    case.command("access", allow, "a allows p again")
    fourth = _consumed(case, 4, tiny)
    _usage(case, fourth, 1, 1, GOOD, "1 unit")
    case.send("p", InformDone(neg=fourth, reports=1, charged=10), "done: p stands at 2")
    case.command("access", allow.model_copy(update={"rule": "default"}), "a removes the rule")
    five = _consumed(case, 5, tiny)
    _usage(case, five, 1, 1, SLOW, "out of bound")
    _usage(case, five, 2, 0, SLOW, "out (2)")
    _usage(case, five, 3, 0, SLOW, "out (3): violated, 2 - 2 * 1 = 0")
    again = ask.model_copy(update={"nonce": b"nonce-06", "deadline": case.now + DEADLINE})
    case.command("negotiate", again, "denied", error=E.SLA_DENIED)
    return case.trace()


def rounding(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/provider/pricing-rounding-001",
        "the markup is rounded up from exact integers: 73 a unit marked up 137 basis points "
        "is 73 + ceil(10,001 / 10,000) = 75",
        ("positive", "edge"),
        params=PARAMS.model_copy(update={"newcomer_bp": 137}),
    )
    case.command("offer_service", OFFER.model_copy(update={"unit_price": 73}), "73 a unit")
    Seller(case).ask("c", 75, "newcomer c")
    return case.trace()


def standing_cases(generator: Generator) -> Iterator[Trace]:
    yield ladder(generator)
    yield edges(generator)
    yield threshold(generator)
    yield rounding(generator)
