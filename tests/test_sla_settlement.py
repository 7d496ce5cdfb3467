"""Settlement, barter, standing and pricing between two reference SLA nodes.

The corpus pins every row; these properties check what holds for every run: a barter
pair is settled at both legs or at neither, at every step and at both parties; the
payment that settles it is the difference of the legs' dues, paid by the party that
owes it; a money agreement is settled by exactly its due; and the price a provider asks
is the written formula of the consumer's standing, computed here independently.
"""

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from reference.node import Node, handle
from reference.sla.role import ROLE
from spec.v1 import errors as E
from spec.v1.sla.commands import (
    Accept,
    End,
    Finish,
    MarketPrice,
    Negotiate,
    Pay,
    ReportUsage,
    Start,
)
from spec.v1.sla.messages import Guarantee, Leg, Payment, Propose, Refuse, reciprocal_id
from tests.test_sla import AGREED, LIFE, OFFERED, _body, _command, _measures, _node, _pass

LEG_GUARANTEE = Guarantee(metric="latency", unit="ms", op="le", bound=40, window=2)

Run = list[tuple[int, int]]
"""A leg's usage reports: (units, latency)."""

runs = st.lists(st.tuples(st.integers(0, 3), st.integers(20, 60)), max_size=5)
ends = st.sampled_from(("finish", "provider_ends", "consumer_ends"))


def _barter(units: int, unit_price: int) -> tuple[Node[Any], Node[Any], bytes, bytes]:
    """Consumer c and provider p holding a barter SLA: p's AGREED at 7 a unit for c's leg of
    ``units`` at ``unit_price``. Returns both nodes and both legs' ids."""
    leg = Leg(
        service=bytes(16),
        units=units,
        unit_price=unit_price,
        guarantees=(LEG_GUARANTEE,),
        start=10,
        end=1000,
    )
    consumer, provider = _node("c", LIFE), _node("p", LIFE)
    offer = OFFERED.model_copy(update={"barter": True})
    provider, _ = _command(provider, 1, "offer_service", offer)
    neg = consumer.node_id + b"nonce-01"
    wanted = AGREED.model_copy(update={"barter": leg})
    ask = Negotiate(provider=provider.node_id, nonce=b"nonce-01", deadline=9, requirements=wanted)
    consumer, cfp = _command(consumer, 2, "negotiate", ask)
    provider, answer = _pass(consumer, cfp, provider, 3)
    assert isinstance(_body(answer), Propose)
    consumer, _ = _pass(provider, answer, consumer, 4)
    consumer, accepted = _command(consumer, 5, "accept", Accept(neg=neg))
    provider, sla = _pass(consumer, accepted, provider, 6)
    consumer, _ = _pass(provider, sla, consumer, 7)
    return consumer, provider, neg, reciprocal_id(neg, provider.node_id)


def _both_or_neither(*nodes: Node[Any]) -> None:
    for node in nodes:
        settled = {r.settled for r in ROLE.observe(node).records if r.pair is not None}
        records = [r for r in ROLE.observe(node).records if r.pair is not None]
        if len(records) == 2:
            assert len(settled) == 1, "one barter leg settled without the other"
        else:
            assert settled <= {False}, "a barter leg settled while the other is open"


def _live(
    runner: Node[Any], other: Node[Any], neg: bytes, run: Run, end: str, at: int
) -> tuple[Node[Any], Node[Any], int]:
    """``runner`` provides leg ``neg`` to ``other``: start, report ``run``, end it."""
    runner, _ = _command(runner, at, "start", Start(neg=neg))
    for units, latency in run:
        at += 1
        measures = _measures(latency, 900)
        try:
            runner, usage = _command(
                runner, at, "usage", ReportUsage(neg=neg, units=units, measures=measures)
            )
        except E.PeerMarketError as exc:
            assert exc.code == E.SLA_OVER_UNITS
            continue
        other, _ = _pass(runner, usage, other, at)
        _both_or_neither(runner, other)
        if neg not in {n.neg for n in ROLE.observe(runner).negotiations}:
            return runner, other, at
    at += 1
    if end == "finish":
        runner, done = _command(runner, at, "finish", Finish(neg=neg))
        other, _ = _pass(runner, done, other, at)
    elif end == "provider_ends":
        runner, done = _command(runner, at, "terminate", End(neg=neg))
        other, _ = _pass(runner, done, other, at)
    else:
        other, done = _command(other, at, "terminate", End(neg=neg))
        runner, _ = _pass(other, done, runner, at)
    _both_or_neither(runner, other)
    return runner, other, at


@settings(max_examples=40, deadline=None)
@given(
    units=st.integers(1, 12),
    unit_price=st.integers(0, 30),
    first=runs,
    second=runs,
    first_end=ends,
    second_end=ends,
    leg_first=st.booleans(),
)
def test_a_barter_pair_settles_both_legs_or_neither(
    units: int,
    unit_price: int,
    first: Run,
    second: Run,
    first_end: str,
    second_end: str,
    leg_first: bool,
) -> None:
    consumer, provider, neg, back = _barter(units, unit_price)
    at = 10
    if leg_first:
        consumer, provider, at = _live(consumer, provider, back, second, second_end, at)
        provider, consumer, at = _live(provider, consumer, neg, first, first_end, at + 1)
    else:
        provider, consumer, at = _live(provider, consumer, neg, first, first_end, at)
        consumer, provider, at = _live(consumer, provider, back, second, second_end, at + 1)
    dues = {r.neg: r.due for r in ROLE.observe(consumer).records}
    assert dues == {r.neg: r.due for r in ROLE.observe(provider).records}
    owed_by_consumer = dues[neg] - dues[back]
    if owed_by_consumer == 0:
        assert all(r.settled for r in ROLE.observe(consumer).records)
        assert all(r.settled for r in ROLE.observe(provider).records)
        return
    debtor, creditor, leg = (
        (consumer, provider, neg) if owed_by_consumer > 0 else (provider, consumer, back)
    )
    other_leg = back if leg == neg else neg
    before = ROLE.observe(creditor)
    try:
        _command(creditor, at + 1, "pay", Pay(neg=other_leg))
    except E.PeerMarketError as exc:
        assert exc.code == E.SLA_WRONG_PAYMENT
    else:
        raise AssertionError("the party that is owed paid")
    debtor, paid = _command(debtor, at + 1, "pay", Pay(neg=leg))
    body = _body(paid)
    assert isinstance(body, Payment) and body.amount == abs(owed_by_consumer)
    creditor, _ = _pass(debtor, paid, creditor, at + 2)
    assert before != ROLE.observe(creditor)
    for node in (debtor, creditor):
        assert all(r.settled for r in ROLE.observe(node).records)


@settings(max_examples=40, deadline=None)
@given(stream=runs, wrong=st.integers(-3, 3))
def test_a_money_agreement_is_settled_by_exactly_its_due(stream: Run, wrong: int) -> None:
    from tests.test_sla import _agreed

    consumer, provider, neg = _agreed()
    for at, (units, latency) in enumerate(stream, start=11):
        if neg not in {n.neg for n in ROLE.observe(provider).negotiations}:
            break
        report = ReportUsage(neg=neg, units=units, measures=_measures(latency, 900))
        provider, usage = _command(provider, at, "usage", report)
        consumer, _ = _pass(provider, usage, consumer, at)
    if neg in {n.neg for n in ROLE.observe(provider).negotiations}:
        provider, done = _command(provider, 30, "finish", Finish(neg=neg))
        consumer, _ = _pass(provider, done, consumer, 30)
    (record,) = ROLE.observe(consumer).records
    assert record.due == record.charged - record.penalty
    if record.due == 0:
        assert record.settled and ROLE.observe(provider).records[0].settled
        return
    if wrong and record.due + wrong > 0:
        forged = Payment(neg=neg, amount=record.due + wrong)
        from reference.envelope import seal
        from reference.identity import Identity
        from spec.v1.trace import Deliver

        frame = seal(Identity.from_label("test-sla/c"), forged, 1000)
        try:
            handle(provider, 31, Deliver(kind="deliver", link=consumer.node_id, frame=frame))
        except E.PeerMarketError as exc:
            assert exc.code == E.SLA_WRONG_PAYMENT
        else:
            raise AssertionError("a payment of another amount than the due was taken")
    consumer, paid = _command(consumer, 31, "pay", Pay(neg=neg))
    assert _body(paid).amount == record.due
    provider, _ = _pass(consumer, paid, provider, 32)
    assert ROLE.observe(provider).records[0].settled


def _standing(completed_paid: int) -> int:
    """Standing of a consumer with ``completed_paid`` settled agreements of value, no
    failures: max(0, good - 2 * 0)."""
    return completed_paid


@settings(max_examples=30, deadline=None)
@given(
    base=st.integers(1, 10**12),
    newcomer_bp=st.integers(0, 10_000),
    paid=st.integers(0, 3),
    market=st.booleans(),
)
def test_the_asked_price_is_the_written_formula(
    base: int, newcomer_bp: int, paid: int, market: bool
) -> None:
    """ceil(base * (10000 + newcomer_bp // (1 + standing)) / 10000), in exact integers,
    from the tariff or the auction's price."""
    params = LIFE.model_copy(update={"newcomer_bp": newcomer_bp, "penalty_bp": 0})
    consumer, provider = _node("c", params), _node("p", params)
    tariff = 5 if market else base
    offer = OFFERED.model_copy(
        update={"unit_price": tariff, "pricing": "market" if market else "fixed"}
    )
    provider, _ = _command(provider, 1, "offer_service", offer)
    if market:
        price = MarketPrice(service=offer.service, price=base)
        provider, _ = _command(provider, 1, "market_price", price)
    at = 2
    for index in range(paid + 1):
        nonce = f"nonce-{index:02d}".encode()
        neg = consumer.node_id + nonce
        wanted = AGREED.model_copy(update={"units": 1, "max_price": 4 * base + 1})
        ask = Negotiate(
            provider=provider.node_id, nonce=nonce, deadline=at + 5, requirements=wanted
        )
        consumer, cfp = _command(consumer, at, "negotiate", ask)
        provider, answer = _pass(consumer, cfp, provider, at)
        body = _body(answer)
        assert not isinstance(body, Refuse)
        markup = newcomer_bp // (1 + _standing(index))
        expected = -(-(base * (10_000 + markup)) // 10_000)
        from reference.sla.frames import open_terms

        assert open_terms(body.terms, "terms")[1].unit_price == expected
        if index == paid:
            break
        consumer, _ = _pass(provider, answer, consumer, at)
        consumer, accepted = _command(consumer, at, "accept", Accept(neg=neg))
        provider, sla = _pass(consumer, accepted, provider, at)
        consumer, _ = _pass(provider, sla, consumer, at)
        at = max(at, 10)
        provider, _ = _command(provider, at, "start", Start(neg=neg))
        report = ReportUsage(neg=neg, units=1, measures=_measures(30, 900))
        provider, usage = _command(provider, at, "usage", report)
        consumer, _ = _pass(provider, usage, consumer, at)
        provider, done = _command(provider, at, "finish", Finish(neg=neg))
        consumer, _ = _pass(provider, done, consumer, at)
        consumer, payment = _command(consumer, at, "pay", Pay(neg=neg))
        provider, _ = _pass(consumer, payment, provider, at)
        at += 1
