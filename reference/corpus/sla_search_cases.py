"""Hand-written ``sla`` cases of search, with node ``a`` alone on the stack interface: the
overlay's upcalls (``update``, ``forward``, ``deliver``) are inputs, its ``route``
downcalls outputs. ``a`` publishes descriptions, serves as a key's root (keeping routed
descriptions, copying them to its replicas, answering queries) and as a replica, and
searches; every refusal of a forged, stale, misfiled or unasked-for description."""

from collections.abc import Iterator
from typing import Final

from reference.corpus.sla_casekit import (
    ATTACK,
    EDGE,
    LATENCY,
    OFFER,
    OTHER_SERVICE,
    SERVICE,
    STACK,
    THROUGHPUT,
    SlaCase,
    guarantee,
)
from spec.v1 import errors as E
from spec.v1.sla.commands import Publish, Search
from spec.v1.sla.search import Description, Query, Results, Store, Wanted, index_key
from spec.v1.stack import UpdateUpcall
from spec.v1.trace import Generator, Trace

KIND: Final = "web.cache"
"""The service type of the cases; its index key is :data:`KEY`, nearer to ``a`` than to any
peer of the cases (so ``a`` is its root in a whole stack too)."""
PASSING: Final = "video.stream"
"""A type whose index key is nearer to ``c`` than to ``a`` or ``d``: routed through."""
KEY: Final = index_key(KIND)

WANTED: Final = Wanted(
    kind=KIND,
    functions=("stream",),
    units=10,
    max_price=12,
    guarantees=(guarantee(LATENCY, 50),),
    barter=False,
)
"""A query every description of :func:`_described` meets at its defaults."""


def _described(
    case: SlaCase,
    provider: str,
    *,
    signer: str | None = None,
    unit_price: int = 10,
    version: int = 1,
    valid_until: int = 400,
    kind: str = KIND,
    service: bytes = SERVICE,
) -> bytes:
    """``provider``'s description of ``service`` (signed by ``signer``, the provider unless
    given): OFFER's terms, functions ``stream`` and ``probe``, interface ``rtp``."""
    body = Description(
        provider=case.peer(provider).node_id,
        service=service,
        kind=kind,
        functions=("probe", "stream"),
        interfaces=("rtp",),
        bounds=(LATENCY, THROUGHPUT),
        unit_price=unit_price,
        pricing="fixed",
        max_units=OFFER.max_units,
        barter=False,
        valid_until=valid_until,
        version=version,
    )
    return case.peer(signer or provider).inner(body)


def _view(case: SlaCase, *names: str) -> None:
    for name in names:
        update = UpdateUpcall(node=case.peer(name).node_id, joined=True)
        case.upcall("update", update, f"{name} joins a's leaf set")


def _query(case: SlaCase, consumer: str, number: int, wanted: Wanted = WANTED) -> bytes:
    return case.peer(consumer).inner(Query(ordinal=number, wanted=wanted))


def publish(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/search/publish-001",
        "a provider publishes the signed description of an offered service, built from the "
        "offer, routed to its type's index key; a later version of it the same way",
        ("positive",),
    )
    case.command("offer_service", OFFER, "a offers the service (interface A)")
    args = Publish(
        service=SERVICE,
        kind=KIND,
        functions=("probe", "stream"),
        interfaces=("rtp",),
        valid_until=400,
        version=1,
    )
    case.app("publish", args, "interface B: route the description to its index key")
    case.command("offer_service", OFFER.model_copy(update={"unit_price": 9}), "a lowers its price")
    case.app("publish", args.model_copy(update={"version": 2}), "version 2, at 9 a unit")
    return case.trace()


def root(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/search/root-001",
        "a key's root keeps routed descriptions (a newer version replaces an older), copies "
        "each to the 2 view members nearest the key, lets routed payloads pass, keeps a "
        "replica's copy, and answers queries with the matching descriptions, cheapest first "
        "then by provider, leaving out the expired",
        ("positive",),
    )
    _view(case, "c", "d", "e")
    case.upcall("update", UpdateUpcall(node=case.peer("e").node_id, joined=False), "e leaves")
    case.deliver_routed(KEY, _described(case, "p", unit_price=11), "p's description: kept, copied")
    case.deliver_routed(KEY, _described(case, "p", version=2), "p's version 2 at 10 replaces it")
    case.deliver_routed(KEY, _described(case, "q", unit_price=10), "q's at 10")
    case.deliver_routed(KEY, _described(case, "r", unit_price=8, valid_until=60), "r's until 60")
    other = _described(case, "s", kind=PASSING, service=OTHER_SERVICE)
    case.forward_routed(index_key(PASSING), other, "c", "s's passes through to c")
    store = Store(description=_described(case, "t", unit_price=12))
    case.send("d", store, "d, another root, copies t's here: a keeps it as a replica")
    case.deliver_routed(KEY, _query(case, "c", 1), "c's query: r at 8, then p and q at 10 by id, t")
    cheap = WANTED.model_copy(update={"max_price": 10, "units": 100})
    case.deliver_routed(KEY, _query(case, "c", 2, cheap), "at most 10 for 100 units: r, p, q")
    picky = WANTED.model_copy(update={"functions": ("encode",)})
    case.deliver_routed(KEY, _query(case, "c", 3, picky), "a function nobody lists: none")
    same = WANTED.model_copy(update={"functions": ("probe", "stream")})
    case.deliver_routed(KEY, _query(case, "c", 4, same), "exactly the functions listed: all")
    case.deliver_routed(KEY, _query(case, "c", 5), "tick 60, r's last: r's still", at=60)
    case.deliver_routed(KEY, _query(case, "c", 6), "tick 61: r's has expired", at=61)
    return case.trace()


def search(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/search/search-001",
        "a consumer searches: a signed query, numbered, routed to the type's index key; it "
        "takes the results once, each checked, and forgets the search when its timer fires",
        ("positive",),
    )
    case.app("search", Search(wanted=WANTED), "search 1, open until tick 51")
    found = (_described(case, "q", unit_price=9), _described(case, "p"))
    case.send("r", Results(ordinal=1, descriptions=found), "r, the root, answers: q at 9, then p")
    case.app("search", Search(wanted=WANTED), "search 2")
    case.send("r", Results(ordinal=2, descriptions=()), "nothing found")
    case.timer("search.0000000000000001", "search 1's time is up: forgotten")
    case.timer("search.0000000000000002", "and search 2's")
    return case.trace()


def forged(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/search/forged-description-001",
        "a description signed by another key than the provider it names is refused wherever "
        "it comes: routed to the root, copied to a replica, or in a search's results",
        ATTACK,
        ("ForgedDescription",),
    )
    fake = _described(case, "p", signer="m")
    lower = _described(case, "q", signer="p")
    case.deliver_routed(KEY, fake, "m signs a description naming p", error=E.SLA_BAD_DESCRIPTION)
    case.deliver_routed(KEY, lower, "p signs one naming q", error=E.SLA_BAD_DESCRIPTION)
    case.send("d", Store(description=fake), "d copies m's", error=E.SLA_BAD_DESCRIPTION)
    case.app("search", Search(wanted=WANTED), "a searches")
    honest = _described(case, "q")
    for note, results in (
        ("m's, then q's", (fake, honest)),
        ("p's naming q", (lower,)),
    ):
        body = Results(ordinal=1, descriptions=results)
        case.send("r", body, f"r answers with {note}", error=E.SLA_BAD_DESCRIPTION)
    case.send("r", Results(ordinal=1, descriptions=(honest,)), "r answers with q's alone")
    return case.trace()


def lying_index(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/search/lying-index-001",
        "results that do not match the query are refused: above max_price, of another type, "
        "expired, short of units or functions, or out of their written order",
        ATTACK,
        ("LyingIndex",),
    )
    case.app("search", Search(wanted=WANTED), "a searches, at most 12 a unit")
    good = _described(case, "p")
    lies = (
        ("a description at 13", _described(case, "q", unit_price=13)),
        ("one of another type", _described(case, "q", kind="zone.map")),
        ("one expired at tick 1", _described(case, "q", valid_until=1)),
    )
    for note, lie in lies:
        body = Results(ordinal=1, descriptions=(good, lie))
        case.send("r", body, f"r answers with {note}", error=E.SLA_BAD_DESCRIPTION)
    cheaper = _described(case, "q", unit_price=9)
    body = Results(ordinal=1, descriptions=(good, cheaper))
    case.send("r", body, "p's at 10 before q's at 9", error=E.SLA_BAD_DESCRIPTION)
    case.send(
        "r", Results(ordinal=1, descriptions=(good, good)), "p's twice", error=E.SLA_BAD_DESCRIPTION
    )
    case.send("r", Results(ordinal=1, descriptions=(cheaper, good)), "q's at 9, then p's")
    return case.trace()


def stale(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/search/stale-001",
        "an index refuses a description no newer than the one it keeps of the same service, "
        "and one past its validity, routed or copied",
        ATTACK,
        ("StaleDescription",),
    )
    case.deliver_routed(KEY, _described(case, "p", version=2), "p's version 2")
    case.deliver_routed(
        KEY, _described(case, "p", version=2), "version 2 again", error=E.SLA_STALE_DESCRIPTION
    )
    case.send(
        "d",
        Store(description=_described(case, "p", version=1)),
        "version 1 copied",
        error=E.SLA_STALE_DESCRIPTION,
    )
    late = _described(case, "q", valid_until=9)
    case.deliver_routed(
        KEY, late, "q's, valid until 9, at tick 10", at=10, error=E.SLA_STALE_DESCRIPTION
    )
    case.send("d", Store(description=_described(case, "p", version=3)), "version 3 copied: kept")
    last = _described(case, "r", valid_until=case.now + 1)
    case.deliver_routed(KEY, last, "r's, valid until this very tick: kept")
    return case.trace()


def misfiled(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/search/misrouted-001",
        "a description or a query delivered under another key than its type's index key is "
        "refused; a service this node does not offer is not published",
        ATTACK,
        ("Misrouted", "UnofferedService"),
    )
    wrong = index_key("storage.block")
    case.deliver_routed(
        wrong, _described(case, "p"), "p's under another key", error=E.SLA_WRONG_INDEX
    )
    case.deliver_routed(
        bytes(16), _described(case, "p"), "p's under key 0", error=E.SLA_WRONG_INDEX
    )
    case.deliver_routed(
        wrong, _query(case, "c", 1), "c's query under another key", error=E.SLA_WRONG_INDEX
    )
    args = Publish(
        service=SERVICE, kind=KIND, functions=(), interfaces=(), valid_until=400, version=1
    )
    case.app("publish", args, "a publishes a service it does not offer", error=E.SLA_NOT_OFFERED)
    return case.trace()


def unsolicited(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/search/unsolicited-001",
        "results are taken once, for a search that is open: never for one not made, already "
        "answered, or forgotten",
        ATTACK,
        ("UnsolicitedResults", "UnexpectedMessage"),
    )
    empty = Results(ordinal=1, descriptions=())
    case.send("r", empty, "results for a search never made", error=E.SLA_UNKNOWN_SEARCH)
    case.app("search", Search(wanted=WANTED), "search 1")
    case.send("r", empty, "answered")
    case.send("r", empty, "answered again", error=E.SLA_UNKNOWN_SEARCH)
    case.app("search", Search(wanted=WANTED), "search 2, at tick 10: due at 60", at=10)
    early = "search 2's timer a tick early"
    case.timer("search.0000000000000002", early, at=59, error=E.MACHINE_NO_TRANSITION)
    case.timer("search.0000000000000002", "search 2 is forgotten")
    case.send(
        "r",
        empty.model_copy(update={"ordinal": 2}),
        "its results, late",
        error=E.SLA_UNKNOWN_SEARCH,
    )
    return case.trace()


def limits(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/search/limits-001",
        "an index keeps at most 256 unexpired descriptions: a new service's beyond is refused "
        "while a newer version of a kept one fits, and expired ones make room; a node has at "
        "most 16 searches open",
        EDGE,
        ("NegotiationFlood",),
    )
    for index in range(256):
        service = index.to_bytes(16, "big")
        until = 300 if index == 0 else 1000
        frame = _described(case, "p", service=service, valid_until=until)
        case.deliver_routed(KEY, frame, f"description {index + 1}", record_state=index == 255)
    extra = _described(case, "q")
    case.deliver_routed(KEY, extra, "a 257th service", error=E.SLA_TOO_MANY)
    case.send("d", Store(description=extra), "copied", error=E.SLA_TOO_MANY)
    newer = _described(case, "p", service=bytes(16), version=2, valid_until=300)
    case.deliver_routed(KEY, newer, "a newer version of the first: fits")
    case.deliver_routed(
        KEY, extra, "tick 300, the first's last: still full", at=300, error=E.SLA_TOO_MANY
    )
    case.deliver_routed(KEY, extra, "tick 301: the first has expired, room", at=301)
    for number in range(16):
        case.app("search", Search(wanted=WANTED), f"search {number + 1}", record_state=number == 15)
    case.app("search", Search(wanted=WANTED), "a 17th", error=E.SLA_TOO_MANY)
    return case.trace()


def view(generator: Generator) -> Trace:
    stacked = generator.name == STACK.name
    case = SlaCase(
        generator,
        "sla/search/view-001",
        "the view follows the leaf set's changes: a member joins once and leaves once, the "
        "largest as well as any other, and the view holds at most 16; alone, an update "
        "that changes nothing is refused (a whole stack's overlay never makes one)",
        ("positive",) if stacked else ATTACK,
        () if stacked else ("UnexpectedMessage",),
    )
    names = [f"v{index:02d}" for index in range(17)]
    _view(case, "c", "d")
    if not stacked:
        nothing = E.MACHINE_GUARD_REJECTED
        myself = UpdateUpcall(node=case.node_id, joined=True)
        case.upcall("update", myself, "a itself 'joins'", error=nothing)
        again = UpdateUpcall(node=case.peer("c").node_id, joined=True)
        case.upcall("update", again, "c joins again", error=nothing)
        stranger = UpdateUpcall(node=case.peer("e").node_id, joined=False)
        case.upcall("update", stranger, "e, never a member, leaves", error=nothing)
    case.upcall("update", UpdateUpcall(node=case.peer("d").node_id, joined=False), "d leaves")
    _view(case, *names[:15])
    if not stacked:
        last = UpdateUpcall(node=case.peer(names[15]).node_id, joined=True)
        case.upcall("update", last, "a 17th member", error=nothing)
    return case.trace()


def search_cases(generator: Generator) -> Iterator[Trace]:
    yield publish(generator)
    yield root(generator)
    yield search(generator)
    yield forged(generator)
    yield lying_index(generator)
    yield stale(generator)
    yield misfiled(generator)
    yield unsolicited(generator)
    yield limits(generator)
    yield view(generator)
