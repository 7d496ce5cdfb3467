"""Service composition between three reference SLA nodes (the chapter's Peer 3).

A composer ``a`` sells ``c`` a service that it delivers by buying a component from ``p``,
through the same negotiation. For every run: each end user's node receives no frame, and
holds no state, that names the other end; each SLA is charged and paid between its own two
parties; the composer keeps the difference.
"""

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from reference.node import Node
from reference.sla.role import ROLE
from spec.v1.sla.commands import Accept, Finish, Negotiate, Pay, ReportUsage, Start
from spec.v1.sla.messages import Measure
from spec.v1.trace import Output
from tests.test_sla import AGREED, LIFE, OFFERED, _command, _node, _pass

COMPONENT_SERVICE = bytes(16)


def _agree(
    consumer: Node[Any], provider: Node[Any], nonce: bytes, wanted: Any, at: int, seen: list[bytes]
) -> tuple[Node[Any], Node[Any], bytes]:
    neg = consumer.node_id + nonce
    ask = Negotiate(provider=provider.node_id, nonce=nonce, deadline=at + 5, requirements=wanted)
    consumer, cfp = _command(consumer, at, "negotiate", ask)
    provider, answer = _pass(consumer, cfp, provider, at)
    consumer, _ = _pass(provider, answer, consumer, at)
    consumer, accepted = _command(consumer, at, "accept", Accept(neg=neg))
    provider, sla = _pass(consumer, accepted, provider, at)
    consumer, _ = _pass(provider, sla, consumer, at)
    seen.extend(o.frame for o in (*cfp, *answer, *accepted, *sla))
    return consumer, provider, neg


def _frames_to(outputs: list[Output], node: Node[Any]) -> list[bytes]:
    return [o.frame for o in outputs if o.to == node.node_id]


@settings(max_examples=25, deadline=None)
@given(
    price=st.integers(7, 9),
    units=st.lists(st.integers(1, 5), min_size=1, max_size=5),
)
def test_a_composition_hides_each_end_from_the_other(price: int, units: list[int]) -> None:
    c, a, p = _node("c", LIFE), _node("a", LIFE), _node("p", LIFE)
    component = OFFERED.model_copy(update={"service": COMPONENT_SERVICE, "unit_price": 5})
    p, _ = _command(p, 1, "offer_service", component)
    a, _ = _command(a, 1, "offer_service", OFFERED.model_copy(update={"unit_price": price}))
    to_c: list[bytes] = []
    to_p: list[bytes] = []
    c, a, sold = _agree(c, a, b"nonce-01", AGREED, 2, to_c)
    wanted = AGREED.model_copy(update={"service": COMPONENT_SERVICE, "max_price": 6})
    a, p, bought = _agree(a, p, b"nonce-01", wanted, 3, to_p)
    p, _ = _command(p, 10, "start", Start(neg=bought))
    a, _ = _command(a, 10, "start", Start(neg=sold))
    good = (Measure(metric="latency", value=20), Measure(metric="throughput", value=900))
    for at, n in enumerate(units, start=11):
        p, usage = _command(p, at, "usage", ReportUsage(neg=bought, units=n, measures=good))
        a, _ = _pass(p, usage, a, at)
        a, mine = _command(a, at, "usage", ReportUsage(neg=sold, units=n, measures=good))
        c, _ = _pass(a, mine, c, at)
        to_c.extend(_frames_to(mine, c))
    p, done = _command(p, 30, "finish", Finish(neg=bought))
    a, _ = _pass(p, done, a, 30)
    a, paid = _command(a, 31, "pay", Pay(neg=bought))
    p, _ = _pass(a, paid, p, 31)
    to_p.extend(_frames_to(paid, p))
    a, finished = _command(a, 32, "finish", Finish(neg=sold))
    c, _ = _pass(a, finished, c, 32)
    to_c.extend(_frames_to(finished, c))
    c, payment = _command(c, 33, "pay", Pay(neg=sold))
    a, _ = _pass(c, payment, a, 33)
    # each end sees only its own SLA: no frame it got, no byte of its state, names the other
    for frames, node, hidden in ((to_c, c, p), (to_p, p, c)):
        assert not any(hidden.node_id in frame for frame in frames)
        assert hidden.node_id not in ROLE.observe(node).model_dump_json().encode()
        assert hidden.node_id.hex() not in ROLE.observe(node).model_dump_json()
    total = sum(units)
    records = {r.neg: r for r in ROLE.observe(a).records}
    assert records[sold].charged == total * price and records[bought].charged == total * 5
    assert all(r.settled for r in records.values())
    assert records[sold].due - records[bought].due == total * (price - 5)
