"""Accounting and Charging: usage reports, their charge under the tariff, the breach rule,
and the record each party keeps of a closed agreement (``sla.md``, "The agreement's life").

Both parties run the same rules on the same signed stream of reports, so they reach the
same charge and the same verdict at the same report.
"""

from reference.effects import CancelTimer, Effect, Emit, StartTimer
from reference.sla.context import held, on
from reference.sla.data import Closed, Negotiation, SlaData, with_negotiation
from reference.sla.settlement import closing
from spec.v1.sla.commands import ReportUsage
from spec.v1.sla.constants import TIMER_END
from spec.v1.sla.messages import InformDone, Measure, Terminate, Terms, Usage

Result = tuple[SlaData, tuple[Effect, ...]]

BASIS: int = 10_000


def _terms(mine: Negotiation) -> Terms:
    assert mine.terms is not None
    return mine.terms


def is_out(bound_op: str, bound: int, value: int | None) -> bool:
    """A report is outside a guarantee's bound when the metric is missing or on the wrong side."""
    if value is None:
        return True
    return value > bound if bound_op == "le" else value < bound


def streaks_after(
    terms: Terms, streaks: tuple[int, ...], measures: tuple[Measure, ...]
) -> tuple[int, ...]:
    """Each guarantee's run of reports out of bound, after one more report."""
    values = {measure.metric: measure.value for measure in measures}
    before = streaks or (0,) * len(terms.guarantees)
    return tuple(
        run + 1 if is_out(g.op, g.bound, values.get(g.metric)) else 0
        for g, run in zip(terms.guarantees, before, strict=True)
    )


def breached(terms: Terms, streaks: tuple[int, ...]) -> bool:
    """Some guarantee's last ``window`` reports were all out of bound."""
    return any(run >= g.window for g, run in zip(terms.guarantees, streaks, strict=True))


def penalty_of(charged: int, penalty_bp: int) -> int:
    """floor(charged * penalty_bp / 10,000): never more than what was charged."""
    return charged * penalty_bp // BASIS


def _recorded(mine: Negotiation, units: int, measures: tuple[Measure, ...]) -> Negotiation:
    terms = _terms(mine)
    return mine._replace(
        reports=mine.reports + 1,
        used=mine.used + units,
        charged=mine.charged + units * terms.unit_price,
        streaks=streaks_after(terms, mine.streaks, measures),
    )


def _close(data: SlaData, neg: bytes, now: int, mine: Negotiation, outcome: str) -> SlaData:
    """Keep the record (the row forgets the agreement), settled at once if nothing is owed."""
    penalty = penalty_of(mine.charged, data.params.penalty_bp) if outcome == "violated" else 0
    record = Closed(
        now,
        neg,
        mine.role,
        mine.peer,
        outcome,
        mine.reports,
        mine.charged,
        penalty,
        mine.pair,
        False,
    )
    return closing(data, record)


# -- guards --


def at_provider(data: SlaData, payload: object) -> bool:
    return held(data, on(payload)).role == "provider"


def at_consumer(data: SlaData, payload: object) -> bool:
    return held(data, on(payload)).role == "consumer"


def outside_period(data: SlaData, payload: object) -> bool:
    event = on(payload)
    terms = _terms(held(data, event))
    return not terms.start <= event.now <= terms.end


def _usage(payload: object) -> Usage:
    body = on(payload).body
    assert isinstance(body, Usage)
    return body


def _report(payload: object) -> ReportUsage:
    args = on(payload).args
    assert isinstance(args, ReportUsage)
    return args


def not_next_report(data: SlaData, payload: object) -> bool:
    return _usage(payload).seq != held(data, on(payload)).reports + 1


def usage_over_units(data: SlaData, payload: object) -> bool:
    mine = held(data, on(payload))
    return mine.used + _usage(payload).units > _terms(mine).units


def report_over_units(data: SlaData, payload: object) -> bool:
    mine = held(data, on(payload))
    return mine.used + _report(payload).units > _terms(mine).units


def usage_breaches(data: SlaData, payload: object) -> bool:
    mine = held(data, on(payload))
    terms = _terms(mine)
    return breached(terms, streaks_after(terms, mine.streaks, _usage(payload).measures))


def report_breaches(data: SlaData, payload: object) -> bool:
    mine = held(data, on(payload))
    terms = _terms(mine)
    return breached(terms, streaks_after(terms, mine.streaks, _report(payload).measures))


def wrong_total(data: SlaData, payload: object) -> bool:
    body = on(payload).body
    assert isinstance(body, InformDone)
    mine = held(data, on(payload))
    return body.reports != mine.reports or body.charged != mine.charged


def closed_agreement(data: SlaData, payload: object) -> bool:
    neg = on(payload).neg
    return any(record.neg == neg for record in data.records)


# -- actions --


def _with(data: SlaData, neg: bytes, mine: Negotiation) -> SlaData:
    return with_negotiation(data, neg, mine)


def take_usage(data: SlaData, payload: object) -> Result:
    event = on(payload)
    usage = _usage(payload)
    return _with(data, event.neg, _recorded(held(data, event), usage.units, usage.measures)), ()


def close_violated(data: SlaData, payload: object) -> Result:
    event = on(payload)
    usage = _usage(payload)
    mine = _recorded(held(data, event), usage.units, usage.measures)
    return _close(data, event.neg, event.now, mine, "violated"), (_ended(event.neg),)


def close_completed(data: SlaData, payload: object) -> Result:
    event = on(payload)
    return _close(data, event.neg, event.now, held(data, event), "completed"), (_ended(event.neg),)


def close_terminated(data: SlaData, payload: object) -> Result:
    event = on(payload)
    return _close(data, event.neg, event.now, held(data, event), "terminated"), (_ended(event.neg),)


def terminate(data: SlaData, payload: object) -> Result:
    event = on(payload)
    mine = held(data, event)
    closed = _close(data, event.neg, event.now, mine, "terminated")
    return closed, (Emit("terminate", mine.peer, Terminate(neg=event.neg)), _ended(event.neg))


def _send_report(data: SlaData, payload: object) -> tuple[Negotiation, Emit]:
    event = on(payload)
    args = _report(payload)
    mine = _recorded(held(data, event), args.units, args.measures)
    usage = Usage(neg=event.neg, seq=mine.reports, units=args.units, measures=args.measures)
    return mine, Emit("usage", mine.peer, usage)


def report(data: SlaData, payload: object) -> Result:
    mine, emit = _send_report(data, payload)
    return _with(data, on(payload).neg, mine), (emit,)


def report_violated(data: SlaData, payload: object) -> Result:
    event = on(payload)
    mine, emit = _send_report(data, payload)
    return _close(data, event.neg, event.now, mine, "violated"), (emit, _ended(event.neg))


def finish(data: SlaData, payload: object) -> Result:
    event = on(payload)
    mine = held(data, event)
    done = InformDone(neg=event.neg, reports=mine.reports, charged=mine.charged)
    return _close(data, event.neg, event.now, mine, "completed"), (
        Emit("inform_done", mine.peer, done),
        _ended(event.neg),
    )


def no_reports(data: SlaData, payload: object) -> bool:
    return held(data, on(payload)).reports == 0


def close_undelivered(data: SlaData, payload: object) -> Result:
    """The end timer fired with nothing delivered: the agreement was not kept."""
    event = on(payload)
    return _close(data, event.neg, event.now, held(data, event), "violated"), ()


def close_at_end(data: SlaData, payload: object) -> Result:
    """The end timer fired after usage was reported: completed as charged."""
    event = on(payload)
    return _close(data, event.neg, event.now, held(data, event), "completed"), ()


def end_timer(neg: bytes) -> str:
    """``end.<negotiation id hex>``."""
    return f"{TIMER_END}.{neg.hex()}"


def _ended(neg: bytes) -> CancelTimer:
    """An agreement closed before its period's end: its end timer stops."""
    return CancelTimer(end_timer(neg))


def start_periods(data: SlaData, neg: bytes) -> tuple[StartTimer, ...]:
    """The end timers of a just-made agreement and of its barter pair, at end + 1."""
    negs = (neg,) if data.negotiations[neg].pair is None else (neg, data.negotiations[neg].pair)
    timers = []
    for each in negs:
        assert each is not None
        terms = _terms(data.negotiations[each])
        timers.append(StartTimer(end_timer(each), terms.end + 1))
    return tuple(timers)
