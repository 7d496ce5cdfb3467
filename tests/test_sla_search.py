"""Search between reference SLA nodes on the stack interface: an index root and a consumer.

The corpus pins every row; these properties check what holds for every index: the root's
results are exactly the kept descriptions that match, in the written order (an oracle
written here from the prose), the consumer takes an honest root's results, and catches
every lie an index can tell (a forged, a non-matching or a reordered result) without
changing its state.
"""

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from reference.codec import encode_message
from reference.envelope import seal
from reference.identity import Identity
from reference.node import Node, create, handle
from reference.sla.frames import open_inner
from reference.sla.role import ROLE
from spec.v1 import errors as E
from spec.v1.sla.commands import Search
from spec.v1.sla.messages import Bound, Guarantee
from spec.v1.sla.search import Description, Query, Results, Wanted, index_key
from spec.v1.stack import DeliverUpcall
from spec.v1.trace import Command, Deliver, Output, Upcall
from tests.test_sla import LIFE, _body

KINDS = ("web.cache", "video.stream")
SERVICE = bytes.fromhex("5a" * 16)


def _peer(name: str) -> Identity:
    return Identity.from_label(f"test-search/{name}")


def _node(name: str) -> Node[Any]:
    return create(ROLE, _peer(name), encode_message(LIFE))


def _description(provider: str, draw: dict[str, Any]) -> tuple[Description, bytes]:
    body = Description(
        provider=_peer(provider).node_id,
        service=draw["service"],
        kind=draw["kind"],
        functions=draw["functions"],
        interfaces=(),
        bounds=(Bound(metric="latency", unit="ms", op="le", bound=draw["latency"]),),
        unit_price=draw["price"],
        pricing="fixed",
        max_units=draw["units"],
        barter=draw["barter"],
        valid_until=draw["until"],
        version=1,
    )
    return body, seal(_peer(draw["signer"] or provider), body, 0)


descriptions = st.fixed_dictionaries(
    {
        "service": st.sampled_from((SERVICE, bytes(16))),
        "kind": st.sampled_from(KINDS),
        "functions": st.sampled_from(((), ("stream",), ("probe", "stream"))),
        "latency": st.integers(10, 60),
        "price": st.integers(0, 20),
        "units": st.integers(1, 20),
        "barter": st.booleans(),
        "until": st.integers(1, 100),
        "signer": st.just(None),
    }
)

wanted = st.builds(
    Wanted,
    kind=st.sampled_from(KINDS),
    functions=st.sampled_from(((), ("stream",))),
    units=st.integers(1, 20),
    max_price=st.integers(0, 20),
    guarantees=st.sampled_from(
        ((), (Guarantee(metric="latency", unit="ms", op="le", bound=40, window=1),))
    ),
    barter=st.booleans(),
)


def _matches(d: Description, w: Wanted, now: int) -> bool:
    """The prose's matching rule, written again here."""
    latency = d.bounds[0].bound
    return (
        d.kind == w.kind
        and d.valid_until >= now
        and set(w.functions) <= set(d.functions)
        and d.max_units >= w.units
        and d.unit_price <= w.max_price
        and (d.barter or not w.barter)
        and all(latency <= g.bound for g in w.guarantees)
    )


def _index(root: Node[Any], kept: list[tuple[str, dict[str, Any]]], at: int) -> Node[Any]:
    for provider, draw in kept:
        _, frame = _description(provider, draw)
        upcall = DeliverUpcall(key=index_key(draw["kind"]), frame=frame)
        try:
            root, _ = handle(
                root, at, Upcall(kind="upcall", name="deliver", args=encode_message(upcall))
            )
        except E.PeerMarketError as exc:
            assert exc.code in (E.SLA_STALE_DESCRIPTION,)
    return root


@settings(max_examples=50, deadline=None)
@given(
    kept=st.lists(st.tuples(st.sampled_from(("p", "q", "r")), descriptions), max_size=8),
    query=wanted,
    now=st.integers(1, 100),
)
def test_the_root_answers_exactly_the_matching_descriptions_in_order(
    kept: list[tuple[str, dict[str, Any]]], query: Wanted, now: int
) -> None:
    root = _index(_node("root"), kept, 0)
    held = {
        (e.provider, e.service): e for e in ROLE.observe(root).index
    }  # the last version-1 description of each provider's service was refused as stale
    frame = _seal_query(query)
    upcall = DeliverUpcall(key=index_key(query.kind), frame=frame)
    root, out = handle(
        root, now, Upcall(kind="upcall", name="deliver", args=encode_message(upcall))
    )
    results = _body([o for o in out if isinstance(o, Output)])
    assert isinstance(results, Results)
    found = [open_inner(f, "description", "r").body for f in results.descriptions]
    expected = sorted(
        (
            d
            for d in (open_inner(e.description, "description", "k").body for e in held.values())
            if _matches(d, query, now)  # type: ignore[arg-type]
        ),
        key=lambda d: (d.unit_price, d.provider, d.service),  # type: ignore[attr-defined]
    )[:16]
    assert found == expected


def _seal_query(query: Wanted) -> bytes:
    return seal(_peer("consumer"), Query(ordinal=1, wanted=query), 0)


@settings(max_examples=50, deadline=None)
@given(
    kept=st.lists(
        st.tuples(st.sampled_from(("p", "q", "r")), descriptions), min_size=1, max_size=6
    ),
    query=wanted,
    lie=st.sampled_from(("forged", "unmatched", "swapped", "none")),
)
def test_a_consumer_takes_honest_results_and_catches_every_lie(
    kept: list[tuple[str, dict[str, Any]]], query: Wanted, lie: str
) -> None:
    consumer = _node("consumer")
    consumer, _ = handle(
        consumer,
        1,
        Command(kind="command", name="search", args=encode_message(Search(wanted=query))),
    )
    matching = sorted(
        ((d, f) for d, f in (_description(p, draw) for p, draw in kept) if _matches(d, query, 2)),
        key=lambda pair: (pair[0].unit_price, pair[0].provider, pair[0].service),
    )
    unique: list[bytes] = []
    seen: set[tuple[int, bytes, bytes]] = set()
    for d, f in matching:
        if (d.unit_price, d.provider, d.service) not in seen:
            seen.add((d.unit_price, d.provider, d.service))
            unique.append(f)
    frames = list(unique)
    if lie == "forged":
        draw = dict(kept[0][1], signer="mallory")
        frames.append(_description(kept[0][0], draw)[1])
    elif lie == "unmatched":
        bad = dict(kept[0][1], kind=query.kind, price=query.max_price + 1)
        frames.append(_description("z", bad)[1])
    elif lie == "swapped":
        if len(frames) < 2:
            return
        frames[0], frames[1] = frames[1], frames[0]
    body = Results(ordinal=1, descriptions=tuple(frames[:16]))
    frame = seal(_peer("root"), body, 1)
    before = ROLE.observe(consumer)
    try:
        after, _ = handle(
            consumer, 2, Deliver(kind="deliver", link=_peer("root").node_id, frame=frame)
        )
    except E.PeerMarketError as exc:
        assert lie != "none" and exc.code == E.SLA_BAD_DESCRIPTION
        assert ROLE.observe(consumer) == before
        return
    assert lie == "none" or (lie == "unmatched" and len(frames) > 16)
    (search,) = ROLE.observe(after).searches
    assert search.answered and list(search.found) == frames[:16]
