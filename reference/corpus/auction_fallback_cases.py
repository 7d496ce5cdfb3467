"""Hand-written ``auction`` cases of the root fallback (``auction.md``, "The root fallback").

Node ``a`` is, in turn, the trader whose root does not answer (it routes a
fallback locate, records the path's reports, asks the hop nearest the
service to take over, or gives up), a node on the path of someone's
fallback locate (it reports its next hop, and lets everything else pass),
and the node asked to take over (it opens the service as an acting root, or
refuses, or answers as a broker already).
"""

from collections.abc import Iterator
from typing import Final

from reference.auction.trader import ring_distance
from reference.corpus.auction_casekit import (
    ATTACK,
    BROKERS,
    EDGE,
    OTHER_SERVICE,
    SERVICE,
    AuctionCase,
    CaseError,
    body_of,
    expect_kinds,
    flip_signature,
    locate_timer,
)
from spec.v1 import errors as E
from spec.v1.auction.commands import LocateCommand
from spec.v1.auction.constants import MAX_PATH
from spec.v1.auction.messages import BrokerSet, Locate, PathHop, Takeover
from spec.v1.stack import ForwardUpcall
from spec.v1.trace import Emitted, Generator, Output, RouteOutput, Trace

NONCE: Final = b"locate01"
ROOT: Final = "root"
"""The root that never answers (in the trader cases it is only ever named)."""

FAR_VIEW: Final = (*BROKERS, "q", "z")
"""A view in which ``a`` is in the broker set of :data:`SERVICE` but not of
:data:`OTHER_SERVICE` (q and z lie nearer to it on its smaller side)."""


def _locate(case: AuctionCase) -> None:
    out = case.app("locate", LocateCommand(service=SERVICE, nonce=NONCE), "a locates the service")
    expect_kinds(case, out, ["route"])


def _retry(case: AuctionCase) -> None:
    """The locate times out: a routes the fallback locate, same nonce."""
    out = case.timer(locate_timer(), "the root does not answer: a routes a fallback locate")
    expect_kinds(case, out, ["route"])
    route = out[0]
    if not isinstance(route, RouteOutput) or route.key != SERVICE:
        raise CaseError(f"{case.case_id}: the fallback locate is not routed to the service")
    body = body_of(route.frame)
    if body != Locate(service=SERVICE, nonce=NONCE, fallback=True):
        raise CaseError(f"{case.case_id}: routed {body!r}, not the fallback locate")


def _hop(case: AuctionCase, hop: str, next_hop: str, note: str, **kwargs: object) -> None:
    body = PathHop(service=SERVICE, nonce=NONCE, next_hop=case.peer(next_hop).node_id)
    case.send(hop, body, note, **kwargs)


def _takeover_sent(
    case: AuctionCase, out: tuple[Emitted, ...], hop: str, failed: str, others: tuple[str, ...]
) -> None:
    """``out`` is one takeover to ``hop`` naming ``failed``, and ``hop`` is the recorded hop
    nearest the service (``others`` are the other hops recorded)."""
    expect_kinds(case, out, ["takeover"])
    sent = out[0]
    assert isinstance(sent, Output)
    wanted = Takeover(service=SERVICE, nonce=NONCE, failed=case.peer(failed).node_id)
    if sent.to != case.peer(hop).node_id or body_of(sent.frame) != wanted:
        raise CaseError(f"{case.case_id}: the takeover is not {wanted!r} to {hop}")
    mine = ring_distance(case.peer(hop).node_id, SERVICE)
    if any(ring_distance(case.peer(o).node_id, SERVICE) <= mine for o in others):
        raise CaseError(f"{case.case_id}: {hop} is not the hop nearest the service")


def _answer(case: AuctionCase, *names: str) -> BrokerSet:
    """The broker set ``names`` (ascending by id) for a's locate, slot 0 starting now."""
    brokers = tuple(sorted(case.peer(n).node_id for n in names))
    return BrokerSet(service=SERVICE, nonce=NONCE, origin=case.now, brokers=brokers)


# -- the trader --


def takeover(generator: Generator) -> Trace:
    case = AuctionCase(
        generator,
        "auction/fallback/takeover-001",
        "the root answers neither the locate nor the fallback locate; two nodes of the path "
        "report their next hops (out of path order), and a asks the one nearest the service, "
        "y (not the last to report, not the smallest id), to take over from the root it "
        "forwarded to; y's broker set starts trading",
        ("positive",),
    )
    _locate(case)
    _retry(case)
    _hop(case, "y", ROOT, "y, the last hop, forwarded the locate to the root")
    _hop(case, "h1", "y", "h1, the first hop, forwarded it to y")
    out = case.timer(locate_timer(), "still no answer: a asks y to take over from the root")
    _takeover_sent(case, out, "y", ROOT, ("h1",))
    case.send("y", _answer(case, "y", *BROKERS), "y, the acting root, answers with the broker set")
    return case.trace()


def takeover_timeout(generator: Generator) -> Trace:
    case = AuctionCase(
        generator,
        "auction/fallback/takeover-timeout-001",
        "the hop asked is the one nearest the service on the ring, around zero (h2), not the "
        "one whose id is numerically nearest (m); when it does not answer either, the trader "
        "forgets the service",
        ("positive",),
    )
    _locate(case)
    _retry(case)
    _hop(case, "m", "h2", "m forwarded the locate to h2")
    _hop(case, "h2", ROOT, "h2 forwarded it to the root")
    s = int.from_bytes(SERVICE, "big")
    if abs(int.from_bytes(case.peer("m").node_id, "big") - s) >= abs(
        int.from_bytes(case.peer("h2").node_id, "big") - s
    ):
        raise CaseError(f"{case.case_id}: m is not numerically nearer than h2")
    out = case.timer(locate_timer(), "a asks h2, across zero from the service")
    _takeover_sent(case, out, "h2", ROOT, ("m",))
    case.timer(locate_timer(), "h2 does not answer: a forgets the service")
    return case.trace()


def give_up(generator: Generator) -> Trace:
    case = AuctionCase(
        generator,
        "auction/fallback/give-up-001",
        "without an answer to the locate and to the fallback locate, and with no node of the "
        "path reporting, the trader forgets the service; a late broker set is then refused",
        EDGE,
        ("UnexpectedMessage",),
    )
    _locate(case)
    _retry(case)
    out = case.timer(locate_timer(), "no answer, no hop: a gives up")
    expect_kinds(case, out, [])
    late = _answer(case, "g", *BROKERS)
    case.send("b", late, "the late answer", error=E.MACHINE_NO_TRANSITION)
    return case.trace()


def path_hop_refusals(generator: Generator) -> Trace:
    case = AuctionCase(
        generator,
        "auction/fallback/path-hop-refusals-001",
        "path reports count only while retrying, for the locate's nonce, once per node; the "
        "root's answer to the fallback locate starts trading, with the path forgotten",
        ATTACK,
        ("UnexpectedMessage",),
    )
    _locate(case)
    _hop(case, "h1", "y", "a report before any fallback locate", error=E.MACHINE_NO_TRANSITION)
    _retry(case)
    other = PathHop(service=SERVICE, nonce=b"locate02", next_hop=case.peer("y").node_id)
    case.send("h1", other, "a report for another nonce", error=E.MACHINE_GUARD_REJECTED)
    _hop(case, "h1", "y", "h1 reports")
    _hop(case, "h1", "h3", "h1 reports again, another next hop", error=E.MACHINE_GUARD_REJECTED)
    answer = _answer(case, "g", *BROKERS)
    case.send("b", answer, "b, the root after all, answers the fallback locate")
    _hop(case, "y", "b", "a report once trading", error=E.MACHINE_NO_TRANSITION)
    return case.trace()


def path_full(generator: Generator) -> Trace:
    case = AuctionCase(
        generator,
        "auction/fallback/path-full-001",
        f"a trader records at most MAX_PATH ({MAX_PATH}) hops: the next report is refused; "
        "the takeover goes to the nearest of those recorded",
        EDGE,
        ("UnexpectedMessage",),
    )
    _locate(case)
    _retry(case)
    names = [f"hop-{i:02}" for i in range(MAX_PATH)]
    tick = case.now + 1
    for i, name in enumerate(names):
        _hop(case, name, ROOT, f"{name} reports", at=tick, record_state=i == MAX_PATH - 1)
    _hop(case, "hop-64", ROOT, "one report too many", at=tick, error=E.MACHINE_GUARD_REJECTED)
    nearest = min(names, key=lambda n: (ring_distance(case.peer(n).node_id, SERVICE), n))
    out = case.timer(locate_timer(), f"a asks {nearest}, the nearest of the {MAX_PATH}")
    _takeover_sent(case, out, nearest, ROOT, tuple(n for n in names if n != nearest))
    return case.trace()


# -- a node on the path --


def report_hop(generator: Generator) -> Trace:
    case = AuctionCase(
        generator,
        "auction/fallback/report-hop-001",
        "a fallback locate passing through a is verified and reported to its trader with its "
        "next hop; anything else passes unread, even a plain locate with a bad signature or "
        "bytes that are no envelope; a fallback locate with a bad signature, or for another "
        "key than its route's, is refused",
        ATTACK,
        ("BadSignature", "Misrouted"),
    )
    e = case.peer("e")
    fallback = e.inner(Locate(service=SERVICE, nonce=b"locate-e", fallback=True))
    plain = e.inner(Locate(service=SERVICE, nonce=b"locate-e", fallback=False))
    out = case.forward_routed(SERVICE, fallback, "c", "e's fallback locate passes towards c")
    expect_kinds(case, out, ["path_hop"])
    wanted = PathHop(service=SERVICE, nonce=b"locate-e", next_hop=case.peer("c").node_id)
    sent = out[0]
    if not isinstance(sent, Output) or sent.to != e.node_id or body_of(sent.frame) != wanted:
        raise CaseError(f"{case.case_id}: the report is not {wanted!r} to e")
    for frame, note in (
        (plain, "e's first locate passes: no report"),
        (flip_signature(plain), "a plain locate with a flipped signature bit passes unread"),
        (e.offer("bid", 10, 1, 50), "an offer passes"),
        (b"\x01", "bytes that are no envelope pass"),
    ):
        expect_kinds(case, case.forward_routed(SERVICE, frame, "c", note), [])
    control = ForwardUpcall(key=SERVICE, frame=fallback, next_hop=case.peer("c").node_id)
    forged = ForwardUpcall(
        key=SERVICE, frame=flip_signature(fallback), next_hop=case.peer("c").node_id
    )
    case.upcall(
        "forward",
        forged,
        "a fallback locate with a flipped signature bit",
        error=E.AUTH_BAD_SIGNATURE,
        field="args.frame.signature",
        control=control,
    )
    elsewhere = e.inner(Locate(service=OTHER_SERVICE, nonce=b"locate-e", fallback=True))
    case.upcall(
        "forward",
        ForwardUpcall(key=SERVICE, frame=elsewhere, next_hop=case.peer("c").node_id),
        "a fallback locate for another service, routed under this key",
        error=E.MACHINE_GUARD_REJECTED,
        control=control,
    )
    return case.trace()


# -- the node asked to take over --


def take_over(generator: Generator) -> Trace:
    case = AuctionCase(
        generator,
        "auction/fallback/take-over-001",
        "a node of the service's broker set asked to take over from d opens the service: "
        "slot 0 starts, the trader gets the set (d still in it) and every other broker but d "
        "a notice; a second takeover and a fallback locate are answered with the same set",
        ("positive",),
    )
    case.joined(*BROKERS)
    ask = Takeover(service=SERVICE, nonce=b"locate-e", failed=case.peer("d").node_id)
    out = case.send("e", ask, "e asks a to stand in for d")
    expect_kinds(case, out, ["broker_set", "service_notice", "service_notice"])
    told = {o.to for o in out[1:] if isinstance(o, Output)}
    if told != {case.peer("b").node_id, case.peer("c").node_id}:
        raise CaseError(f"{case.case_id}: the notices do not go to b and c only")
    again = Takeover(service=SERVICE, nonce=b"locate-f", failed=case.peer("c").node_id)
    expect_kinds(case, case.send("f", again, "f asks a too, later"), ["broker_set"])
    locate = case.peer("g").inner(Locate(service=SERVICE, nonce=b"locate-g", fallback=True))
    out = case.deliver_routed(SERVICE, locate, "g's fallback locate reaches a, the root")
    expect_kinds(case, out, ["broker_set"])
    return case.trace()


def take_over_refused(generator: Generator) -> Trace:
    case = AuctionCase(
        generator,
        "auction/fallback/take-over-refused-001",
        "a takeover is refused by a node outside the service's broker set as it sees it, by "
        "the node it names as failed, and by a node that is locating the service itself",
        ATTACK,
        ("NotBroker", "UnexpectedMessage"),
    )
    case.joined(*FAR_VIEW)
    d = case.peer("d").node_id
    e = case.peer("e")
    good = Takeover(service=SERVICE, nonce=b"locate-e", failed=d)
    outside = Takeover(service=OTHER_SERVICE, nonce=b"locate-e", failed=d)
    case.send(
        "e",
        outside,
        "a takeover for a service whose set a is not in",
        error=E.MACHINE_GUARD_REJECTED,
        control=e.frame(good),
    )
    itself = Takeover(service=SERVICE, nonce=b"locate-e", failed=case.node_id)
    case.send(
        "e",
        itself,
        "a takeover that names a as the failed node",
        error=E.MACHINE_GUARD_REJECTED,
        control=e.frame(good),
    )
    _locate(case)
    case.send("e", good, "a now locates the service itself", error=E.MACHINE_NO_TRANSITION)
    return case.trace()


def fallback_cases(generator: Generator) -> Iterator[Trace]:
    yield takeover(generator)
    yield takeover_timeout(generator)
    yield give_up(generator)
    yield path_hop_refusals(generator)
    yield path_full(generator)
    yield report_hop(generator)
    yield take_over(generator)
    yield take_over_refused(generator)
