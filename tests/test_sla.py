"""The SLA protocol's negotiation: two reference nodes negotiating end to end.

The corpus pins every row; these tests check what holds for *every* negotiation:
the provider proposes exactly when the written matching rule says so, the consumer
always takes what an honest provider proposes, both parties end with the same SLA
bytes, whose two signatures cover the same terms, and no input the tables refuse
changes anything.
"""

import hashlib
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from reference.codec import encode_message
from reference.envelope import open_envelope, seal
from reference.identity import Identity
from reference.node import Node, create, handle
from reference.sla.matching import shortfall
from reference.sla.role import ROLE
from spec.v1 import errors as E
from spec.v1.registry import MESSAGES
from spec.v1.sla.commands import (
    Accept,
    Counter,
    End,
    Finish,
    Negotiate,
    OfferService,
    ReportUsage,
    SlaParams,
    Start,
)
from spec.v1.sla.messages import (
    Agreement,
    Bound,
    Guarantee,
    Leg,
    Measure,
    Propose,
    Refuse,
    Requirements,
)
from spec.v1.trace import Command, Deliver, Output

PARAMS = SlaParams(
    max_rounds=2,
    max_deadline=50,
    max_open=4,
    penalty_bp=0,
    max_records=8,
    pay_within=10,
    min_standing=0,
    newcomer_bp=0,
    search_timeout=20,
    replicas=2,
    replay_senders=64,
)
SERVICE = bytes.fromhex("5a" * 16)
METRICS = ("jitter", "latency", "throughput")


def _node(label: str, params: SlaParams = PARAMS) -> Node[Any]:
    return create(ROLE, Identity.from_label(f"test-sla/{label}"), encode_message(params))


def _command(node: Node[Any], at: int, name: str, args: Any) -> tuple[Node[Any], list[Output]]:
    node, out = handle(node, at, Command(kind="command", name=name, args=encode_message(args)))
    return node, [o for o in out if isinstance(o, Output)]


def _pass(
    sender: Node[Any], out: list[Output], receiver: Node[Any], at: int
) -> tuple[Node[Any], list[Output]]:
    """Deliver ``sender``'s one output to ``receiver``."""
    assert len(out) == 1 and out[0].to == receiver.node_id
    receiver, answer = handle(
        receiver, at, Deliver(kind="deliver", link=sender.node_id, frame=out[0].frame)
    )
    return receiver, [o for o in answer if isinstance(o, Output)]


def _body(out: list[Output]) -> Any:
    return open_envelope(out[0].frame, MESSAGES).body


bounds = st.builds(
    Bound,
    metric=st.sampled_from(METRICS),
    unit=st.sampled_from(("ms", "kbit/s")),
    op=st.sampled_from(("ge", "le")),
    bound=st.integers(0, 100),
)


def _unique(items: list[Any]) -> tuple[Any, ...]:
    return tuple(sorted({item.metric: item for item in items}.values(), key=lambda b: b.metric))


offers = st.builds(
    OfferService,
    service=st.sampled_from((SERVICE, bytes(16))),
    unit_price=st.integers(0, 20),
    max_units=st.integers(1, 20),
    bounds=st.lists(bounds, max_size=3).map(_unique),
    pricing=st.just("fixed"),
    barter=st.booleans(),
)

legs = st.builds(
    Leg,
    service=st.just(bytes(16)),
    units=st.integers(1, 5),
    unit_price=st.integers(0, 9),
    guarantees=st.just(()),
    start=st.just(10),
    end=st.just(20),
)

requirements = st.builds(
    Requirements,
    service=st.just(SERVICE),
    units=st.integers(1, 20),
    max_price=st.integers(0, 20),
    guarantees=st.lists(
        st.builds(
            Guarantee,
            metric=st.sampled_from(METRICS),
            unit=st.sampled_from(("ms", "kbit/s")),
            op=st.sampled_from(("ge", "le")),
            bound=st.integers(0, 100),
            window=st.integers(1, 4),
        ),
        max_size=3,
    ).map(_unique),
    start=st.just(10),
    end=st.just(20),
    barter=st.one_of(st.none(), legs),
)


@settings(max_examples=60)
@given(offer=offers, wanted=requirements)
def test_a_negotiation_ends_in_the_same_sla_at_both_parties_exactly_when_the_rule_allows(
    offer: OfferService, wanted: Requirements
) -> None:
    consumer, provider = _node("c"), _node("p")
    provider, _ = _command(provider, 1, "offer_service", offer)
    neg = consumer.node_id + b"nonce-01"
    ask = Negotiate(provider=provider.node_id, nonce=b"nonce-01", deadline=30, requirements=wanted)
    consumer, cfp = _command(consumer, 2, "negotiate", ask)
    provider, answer = _pass(consumer, cfp, provider, 3)
    reason = shortfall(offer if offer.service == SERVICE else None, wanted, offer.unit_price)
    body = _body(answer)
    if reason is not None:
        assert isinstance(body, Refuse) and body.reason == reason
        consumer, _ = _pass(provider, answer, consumer, 4)
        assert ROLE.observe(consumer).negotiations[0].state == "refused"
        return
    assert isinstance(body, Propose)
    consumer, nothing = _pass(provider, answer, consumer, 4)
    assert nothing == []
    consumer, accepted = _command(consumer, 5, "accept", Accept(neg=neg))
    provider, sla = _pass(consumer, accepted, provider, 6)
    consumer, _ = _pass(provider, sla, consumer, 7)
    mine, theirs = ROLE.observe(consumer).negotiations, ROLE.observe(provider).negotiations
    held = ["pending"] * (1 if wanted.barter is None else 2)
    assert [n.state for n in mine] == [n.state for n in theirs] == held
    assert {(n.neg, n.offer, n.acceptance) for n in mine} == {
        (n.neg, n.offer, n.acceptance) for n in theirs
    }
    assert [n.role for n in mine] == [
        "provider" if n.role == "consumer" else "consumer" for n in theirs
    ]
    agreement = _body(sla)
    assert isinstance(agreement, Agreement)
    terms = open_envelope(agreement.terms, MESSAGES)
    acceptance = open_envelope(agreement.acceptance, MESSAGES)
    assert terms.envelope.sender == provider.node_id
    assert acceptance.envelope.sender == consumer.node_id
    assert acceptance.body.terms == hashlib.sha256(terms.envelope.body).digest()  # type: ignore[attr-defined]
    assert terms.body.unit_price == offer.unit_price <= wanted.max_price  # type: ignore[attr-defined]
    assert terms.body.guarantees == wanted.guarantees  # type: ignore[attr-defined]
    # the deadline timers are gone; each agreement held (a barter's two legs) has its end timer
    ends = {f"end.{n.neg.hex()}": 21 for n in mine}  # every period of the strategy ends at 20
    assert consumer.timers == ends and provider.timers == ends


def test_a_counter_offer_withdraws_the_earlier_offer() -> None:
    """Round 1's terms cannot be accepted once round 2 is answered, even though they were
    validly signed; round 2's can."""
    offer = OfferService(
        service=SERVICE, unit_price=5, max_units=10, bounds=(), pricing="fixed", barter=False
    )
    wanted = Requirements(
        service=SERVICE, units=3, max_price=9, guarantees=(), start=1, end=2, barter=None
    )
    consumer, provider = _node("c"), _node("p")
    provider, _ = _command(provider, 1, "offer_service", offer)
    neg = consumer.node_id + b"nonce-01"
    ask = Negotiate(provider=provider.node_id, nonce=b"nonce-01", deadline=40, requirements=wanted)
    consumer, cfp = _command(consumer, 2, "negotiate", ask)
    provider, first = _pass(consumer, cfp, provider, 3)
    consumer, _ = _pass(provider, first, consumer, 4)
    _, stale_accept = _command(consumer, 5, "accept", Accept(neg=neg))
    more = wanted.model_copy(update={"units": 4})
    consumer, counter = _command(consumer, 6, "counter", Counter(neg=neg, requirements=more))
    provider, second = _pass(consumer, counter, provider, 7)
    assert isinstance(_body(second), Propose)
    before = ROLE.observe(provider)
    # round 1's acceptance, in a fresh envelope of the consumer's (a later sequence number)
    again = seal(Identity.from_label("test-sla/c"), _body(stale_accept), 10)
    try:
        handle(provider, 8, Deliver(kind="deliver", link=consumer.node_id, frame=again))
    except E.PeerMarketError as exc:
        assert exc.code == E.SLA_UNKNOWN_OFFER
    else:
        raise AssertionError("round 1's offer was accepted after round 2's")
    assert ROLE.observe(provider) == before


def test_the_deadline_closes_a_negotiation_at_both_parties() -> None:
    offer = OfferService(
        service=SERVICE, unit_price=5, max_units=10, bounds=(), pricing="fixed", barter=False
    )
    wanted = Requirements(
        service=SERVICE, units=3, max_price=9, guarantees=(), start=1, end=2, barter=None
    )
    consumer, provider = _node("c"), _node("p")
    provider, _ = _command(provider, 1, "offer_service", offer)
    ask = Negotiate(provider=provider.node_id, nonce=b"nonce-01", deadline=10, requirements=wanted)
    consumer, cfp = _command(consumer, 2, "negotiate", ask)
    provider, answer = _pass(consumer, cfp, provider, 3)
    try:
        _pass(provider, answer, consumer, 11)
    except E.PeerMarketError as exc:
        assert exc.code == E.SLA_DEADLINE_PASSED
    else:
        raise AssertionError("a proposal after the deadline was taken")
    name = f"deadline.{(consumer.node_id + b'nonce-01').hex()}"
    assert consumer.timers == {name: 11} and provider.timers == {name: 11}
    from spec.v1.trace import FireTimer

    consumer, _ = handle(consumer, 11, FireTimer(kind="timer", name=name))
    provider, _ = handle(provider, 11, FireTimer(kind="timer", name=name))
    assert ROLE.observe(consumer).negotiations == ROLE.observe(provider).negotiations == ()


@settings(max_examples=40)
@given(wanted=requirements, offer=offers)
def test_shortfall_names_the_first_failed_check(wanted: Requirements, offer: OfferService) -> None:
    """The written order: service, units, price, barter, guarantees."""
    reason = shortfall(offer if offer.service == SERVICE else None, wanted, offer.unit_price)
    if offer.service != SERVICE:
        assert reason == "no_service"
    elif wanted.units > offer.max_units:
        assert reason == "units"
    elif offer.unit_price > wanted.max_price:
        assert reason == "price"
    elif wanted.barter is not None and not offer.barter:
        assert reason == "barter"
    else:
        offered = {b.metric: b for b in offer.bounds}
        met = all(
            g.metric in offered
            and (offered[g.metric].unit, offered[g.metric].op) == (g.unit, g.op)
            and (
                offered[g.metric].bound <= g.bound
                if g.op == "le"
                else offered[g.metric].bound >= g.bound
            )
            for g in wanted.guarantees
        )
        assert reason == (None if met else "guarantee")


# -- the agreement's life ------------------------------------------------------------------

AGREED = Requirements(
    service=SERVICE,
    units=50,
    max_price=9,
    guarantees=(
        Guarantee(metric="latency", unit="ms", op="le", bound=40, window=2),
        Guarantee(metric="throughput", unit="kbit/s", op="ge", bound=500, window=3),
    ),
    start=10,
    end=1000,
    barter=None,
)
OFFERED = OfferService(
    service=SERVICE,
    unit_price=7,
    max_units=50,
    bounds=(
        Bound(metric="latency", unit="ms", op="le", bound=30),
        Bound(metric="throughput", unit="kbit/s", op="ge", bound=800),
    ),
    pricing="fixed",
    barter=False,
)
LIFE = PARAMS.model_copy(update={"penalty_bp": 3333})


def _agreed() -> tuple[Node[Any], Node[Any], bytes]:
    """A consumer and a provider holding the SLA for AGREED at 7 a unit, started at tick 10."""
    consumer, provider = _node("c", LIFE), _node("p", LIFE)
    provider, _ = _command(provider, 1, "offer_service", OFFERED)
    neg = consumer.node_id + b"nonce-01"
    ask = Negotiate(provider=provider.node_id, nonce=b"nonce-01", deadline=9, requirements=AGREED)
    consumer, cfp = _command(consumer, 2, "negotiate", ask)
    provider, answer = _pass(consumer, cfp, provider, 3)
    consumer, _ = _pass(provider, answer, consumer, 4)
    consumer, accepted = _command(consumer, 5, "accept", Accept(neg=neg))
    provider, sla = _pass(consumer, accepted, provider, 6)
    consumer, _ = _pass(provider, sla, consumer, 7)
    provider, _ = _command(provider, 10, "start", Start(neg=neg))
    return consumer, provider, neg


reports = st.lists(
    st.tuples(
        st.integers(0, 6),
        st.one_of(st.none(), st.integers(20, 60)),
        st.one_of(st.none(), st.integers(300, 900)),
    ),
    max_size=10,
)


def _measures(latency: int | None, throughput: int | None) -> tuple[Measure, ...]:
    found = (("latency", latency), ("throughput", throughput))
    return tuple(Measure(metric=m, value=v) for m, v in found if v is not None)


def _oracle(stream: list[tuple[int, int | None, int | None]]) -> int | None:
    """The 1-based report that breaches: the first after which the last k reports of some
    guarantee were all out of bound (a missing value is out). Written independently of the
    reference: it looks back over the whole history each time."""
    outs: list[tuple[bool, bool]] = []
    for index, (_, latency, throughput) in enumerate(stream, start=1):
        outs.append((latency is None or latency > 40, throughput is None or throughput < 500))
        for which, window in ((0, 2), (1, 3)):
            if len(outs) >= window and all(o[which] for o in outs[-window:]):
                return index
    return None


@settings(max_examples=60)
@given(stream=reports, finish=st.booleans())
def test_charges_breaches_and_records_follow_the_written_rules(
    stream: list[tuple[int, int | None, int | None]], finish: bool
) -> None:
    consumer, provider, neg = _agreed()
    breach = _oracle(stream)
    taken = stream if breach is None else stream[:breach]
    at = 11
    for units, latency, throughput in taken:
        report = ReportUsage(neg=neg, units=units, measures=_measures(latency, throughput))
        provider, usage = _command(provider, at, "usage", report)
        consumer, _ = _pass(provider, usage, consumer, at)
        at += 1
    charged = sum(units for units, _, _ in taken) * OFFERED.unit_price
    if breach is None:
        if finish:
            provider, done = _command(provider, at, "finish", Finish(neg=neg))
            consumer, _ = _pass(provider, done, consumer, at)
            outcome = "completed"
        else:
            consumer, end = _command(consumer, at, "terminate", End(neg=neg))
            provider, _ = _pass(consumer, end, provider, at)
            outcome = "terminated"
    else:
        outcome = "violated"
    mine, theirs = ROLE.observe(consumer), ROLE.observe(provider)
    assert mine.negotiations == theirs.negotiations == ()
    (record,), (other,) = mine.records, theirs.records
    assert record.model_copy(update={"role": "provider", "peer": consumer.node_id}) == other
    assert (record.outcome, record.reports, record.charged) == (outcome, len(taken), charged)
    penalty = charged * LIFE.penalty_bp // 10_000 if outcome == "violated" else 0
    assert (record.penalty, record.due) == (penalty, charged - penalty)
    assert record.due + record.penalty == record.charged


def test_a_breach_is_not_detected_a_report_early() -> None:
    """Latency's window is 2: one report out of bound, then one in, then one out, breach
    nothing; the next out report breaches."""
    consumer, provider, neg = _agreed()
    slow, fast = _measures(55, 900), _measures(25, 900)
    for at, measures in enumerate((slow, fast, slow), start=11):
        provider, usage = _command(
            provider, at, "usage", ReportUsage(neg=neg, units=1, measures=measures)
        )
        consumer, _ = _pass(provider, usage, consumer, at)
        assert [n.state for n in ROLE.observe(consumer).negotiations] == ["observed"]
    provider, usage = _command(provider, 14, "usage", ReportUsage(neg=neg, units=1, measures=slow))
    consumer, _ = _pass(provider, usage, consumer, 14)
    assert [r.outcome for r in ROLE.observe(consumer).records] == ["violated"]
    assert [r.outcome for r in ROLE.observe(provider).records] == ["violated"]
