"""Hand-written ``sla`` cases of service composition (the chapter's Peer 3): node ``a``
provides a composite service to ``c`` and, to deliver it, consumes a component service
from ``p``, through the same negotiation. Each SLA names only its own two parties: nothing
``a`` sends to ``c`` names ``p`` or the component's SLA, nor the other way round."""

from collections.abc import Iterator
from typing import Final

from reference.corpus.sla_agreement_cases import (
    GOOD,
    SLOW,
    START,
    _consumed,
    _provided,
    _report,
    _usage,
)
from reference.corpus.sla_casekit import OFFER, OTHER_SERVICE, WANTED, CaseError, SlaCase
from spec.v1.sla.commands import End, Finish, Pay, ReportUsage, Start
from spec.v1.sla.messages import InformDone, Payment
from spec.v1.trace import Generator, Output, Trace

COMPOSITE: Final = OFFER.model_copy(update={"unit_price": 12})
"""What ``a`` sells ``c``: OFFER's service at 12 a unit."""

COMPONENT: Final = WANTED.model_copy(update={"service": OTHER_SERVICE, "max_price": 10})
"""What ``a`` buys from ``p`` to deliver it: the other service, at most 10 a unit."""


def _unseen(case: SlaCase, outputs: tuple[object, ...], to: str, hidden: str) -> None:
    """No frame ``a`` sends to ``to`` carries ``hidden``'s node id."""
    secret = case.peer(hidden).node_id
    frames = [o.frame for o in outputs if isinstance(o, Output) and o.to == case.peer(to).node_id]
    if any(secret in frame for frame in frames):
        raise CaseError(f"{case.case_id}: a frame to {to} names {hidden}")


def composer(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/composition/composer-001",
        "a composer sells c a service it builds on p's: it agrees with c, then buys the "
        "component from p with the same negotiation; p's reports feed a's own, each SLA is "
        "charged and paid between its own parties, and neither end hears of the other",
        ("positive", "scenario"),
    )
    case.command("offer_service", COMPOSITE, "a offers the composite service at 12 a unit")
    sold = _provided(case, "c")
    bought = _consumed(case, 1, COMPONENT)
    _usage(case, bought, 1, 20, GOOD, "p delivers the component: 20 units at 10", at=START)
    case.command("start", Start(neg=sold), "a starts c's service on top of it")
    report = ReportUsage(neg=sold, units=20, measures=GOOD)
    out = case.command("usage", report, "a reports 20 units to c at 12")
    _unseen(case, out, "c", "p")
    case.send("p", InformDone(neg=bought, reports=1, charged=200), "the component is done")
    out = case.command("pay", Pay(neg=bought), "a pays p 200")
    _unseen(case, out, "p", "c")
    out = case.command("finish", Finish(neg=sold), "c's service is done: 240 due to a")
    _unseen(case, out, "c", "p")
    case.send("c", Payment(neg=sold, amount=240), "c pays a 240: a keeps 40")
    return case.trace()


def broken_chain(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/composition/broken-chain-001",
        "when the component breaches, the composer's own reports to its consumer carry the "
        "degraded service and its own SLA breaches in turn; each breach has its own penalty, "
        "each between its own two parties",
        ("positive", "scenario"),
    )
    case.command("offer_service", COMPOSITE, "a offers the composite service")
    sold = _provided(case, "c")
    bought = _consumed(case, 1, COMPONENT)
    case.command("start", Start(neg=sold), "a starts c's service", at=START)
    for seq in (1, 2, 3):
        _usage(case, bought, seq, 1, SLOW, f"p's component at 70 ms ({seq} in a row)")
        _report(case, sold, 1, SLOW, f"so is a's service to c ({seq} in a row)")
    case.command("pay", Pay(neg=bought), "a pays p what is due after p's penalty")
    case.send("c", Payment(neg=sold, amount=27), "c pays a 36 less its penalty of 9")
    spare = _provided(case, "d", 2)
    case.command("terminate", End(neg=spare), "a cannot deliver d's either: it ends it")
    return case.trace()


def composition_cases(generator: Generator) -> Iterator[Trace]:
    yield composer(generator)
    yield broken_chain(generator)
