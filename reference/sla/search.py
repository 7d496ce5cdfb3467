"""Search (interfaces B and 1, ``sla.md``, "Descriptions and search"): a provider publishing
signed descriptions under its service type's index key, the key's root keeping them and
copying them to its replicas, answering queries with the ones that match, and a consumer
checking every result, so an index can pass descriptions on but never forge or misfile one.
"""

from dataclasses import replace
from itertools import pairwise
from types import MappingProxyType

from reference.effects import Effect, Emit, RouteDowncall, StartTimer
from reference.sla.context import on
from reference.sla.data import Indexed, Searching, SlaData
from reference.sla.frames import Signed, open_inner
from reference.sla.matching import meets
from reference.sla.view import replicas
from spec.v1.sla.commands import Publish, Search
from spec.v1.sla.constants import MAX_INDEX, MAX_RESULTS, MAX_SEARCHES, TIMER_SEARCH
from spec.v1.sla.search import Description, Query, Results, Store, Wanted, index_key
from spec.v1.stack import DeliverUpcall

Result = tuple[SlaData, tuple[Effect, ...]]

ROUTED = ("description", "query")


def search_timer(number: int) -> str:
    """``search.<number as 16 hex digits>``."""
    return f"{TIMER_SEARCH}.{number:016x}"


def describes(description: Description, wanted: Wanted, now: int) -> bool:
    """The matching rule of a query: same type, still valid, every function listed, enough
    units, a tariff within ``max_price``, barter if asked, every guarantee met."""
    bounds = {bound.metric: bound for bound in description.bounds}
    return (
        description.kind == wanted.kind
        and description.valid_until >= now
        and set(wanted.functions) <= set(description.functions)
        and wanted.units <= description.max_units
        and description.unit_price <= wanted.max_price
        and (description.barter or not wanted.barter)
        and all(meets(bounds.get(g.metric), g) for g in wanted.guarantees)
    )


def _order(entry: Indexed) -> tuple[int, bytes, bytes]:
    """Results are best first: lowest tariff, then provider id, then service id."""
    d = entry.description
    return (d.unit_price, d.provider, d.service)


# -- what arrives --


def _delivered(payload: object) -> tuple[DeliverUpcall, Signed]:
    args = on(payload).args
    assert isinstance(args, DeliverUpcall)
    return args, open_inner(args.frame, ROUTED, "args.frame")


def _offered(payload: object) -> Signed | None:
    """The description a routed delivery or a ``store`` carries (None for a query)."""
    event = on(payload)
    if isinstance(event.stim.body, Store):
        return open_inner(event.stim.body.description, "description", "body.description")
    _, signed = _delivered(payload)
    return signed if isinstance(signed.body, Description) else None


def _description(signed: Signed) -> Description:
    assert isinstance(signed.body, Description)
    return signed.body


def _entry_key(description: Description) -> bytes:
    return description.provider + description.service


def _live(data: SlaData, now: int) -> dict[bytes, Indexed]:
    """The index without the descriptions past their validity."""
    return {k: v for k, v in data.index.items() if v.description.valid_until >= now}


# -- guards --


def not_offered(data: SlaData, payload: object) -> bool:
    args = on(payload).args
    assert isinstance(args, Publish)
    return args.service not in data.services


def not_its_index(data: SlaData, payload: object) -> bool:
    upcall, signed = _delivered(payload)
    body = signed.body
    assert isinstance(body, Description | Query)
    kind = body.kind if isinstance(body, Description) else body.wanted.kind
    return index_key(kind) != upcall.key


def description_forged(data: SlaData, payload: object) -> bool:
    signed = _offered(payload)
    return signed is not None and signed.signer != _description(signed).provider


def description_stale(data: SlaData, payload: object) -> bool:
    signed = _offered(payload)
    if signed is None:
        return False
    description = _description(signed)
    kept = data.index.get(_entry_key(description))
    expired = description.valid_until < on(payload).now
    return expired or (kept is not None and kept.description.version >= description.version)


def index_full(data: SlaData, payload: object) -> bool:
    signed = _offered(payload)
    if signed is None:
        return False
    live = _live(data, on(payload).now)
    return _entry_key(_description(signed)) not in live and len(live) >= MAX_INDEX


def delivered_description(data: SlaData, payload: object) -> bool:
    return _offered(payload) is not None


def searches_full(data: SlaData, payload: object) -> bool:
    return len(data.searches) >= MAX_SEARCHES


def _results(payload: object) -> Results:
    body = on(payload).body
    assert isinstance(body, Results)
    return body


def _opened(payload: object) -> list[Signed]:
    body = _results(payload)
    return [
        open_inner(frame, "description", f"body.descriptions[{index}]")
        for index, frame in enumerate(body.descriptions)
    ]


def not_awaited(data: SlaData, payload: object) -> bool:
    search = data.searches.get(_results(payload).ordinal)
    return search is None or search.answered


def result_forged(data: SlaData, payload: object) -> bool:
    return any(signed.signer != _description(signed).provider for signed in _opened(payload))


def result_unmatched(data: SlaData, payload: object) -> bool:
    """A result that does not match the query, or results out of their written order."""
    event = on(payload)
    wanted = data.searches[_results(payload).ordinal].wanted
    found = [_description(signed) for signed in _opened(payload)]
    keys = [(d.unit_price, d.provider, d.service) for d in found]
    in_order = all(a < b for a, b in pairwise(keys))
    return not in_order or not all(describes(d, wanted, event.now) for d in found)


# -- actions --


def _kept(data: SlaData, payload: object, frame: bytes, description: Description) -> SlaData:
    index = _live(data, on(payload).now)
    index[_entry_key(description)] = Indexed(description, frame)
    return replace(data, index=MappingProxyType(dict(sorted(index.items()))))


def publish(data: SlaData, payload: object) -> Result:
    """Sign the description of an offered service and route it to its index key."""
    args = on(payload).args
    assert isinstance(args, Publish)
    offer = data.services[args.service]
    description = Description(
        provider=data.self_id,
        service=args.service,
        kind=args.kind,
        functions=args.functions,
        interfaces=args.interfaces,
        bounds=offer.bounds,
        unit_price=offer.unit_price,
        pricing=offer.pricing,
        max_units=offer.max_units,
        barter=offer.barter,
        valid_until=args.valid_until,
        version=args.version,
    )
    return data, (RouteDowncall("description", index_key(args.kind), description),)


def index(data: SlaData, payload: object) -> Result:
    """The key's root keeps the description and copies it to its replicas."""
    upcall, signed = _delivered(payload)
    kept = _kept(data, payload, upcall.frame, _description(signed))
    copy = Store(description=upcall.frame)
    return kept, tuple(Emit("store", member, copy) for member in replicas(data, upcall.key))


def keep(data: SlaData, payload: object) -> Result:
    body = on(payload).stim.body
    assert isinstance(body, Store)
    signed = open_inner(body.description, "description", "body.description")
    return _kept(data, payload, body.description, _description(signed)), ()


def answer(data: SlaData, payload: object) -> Result:
    """Answer the query's signer with the matching descriptions, best first, at most 16."""
    event = on(payload)
    _, signed = _delivered(payload)
    query = signed.body
    assert isinstance(query, Query)
    matching = sorted(
        (e for e in data.index.values() if describes(e.description, query.wanted, event.now)),
        key=_order,
    )
    frames = tuple(entry.frame for entry in matching[:MAX_RESULTS])
    results = Results(ordinal=query.ordinal, descriptions=frames)
    return data, (Emit("results", signed.signer, results),)


def search(data: SlaData, payload: object) -> Result:
    event = on(payload)
    args = event.args
    assert isinstance(args, Search)
    number = data.searched + 1
    searches = dict(data.searches)
    searches[number] = Searching(args.wanted)
    data = replace(data, searched=number, searches=MappingProxyType(searches))
    query = Query(ordinal=number, wanted=args.wanted)
    return data, (
        RouteDowncall("query", index_key(args.wanted.kind), query),
        StartTimer(search_timer(number), event.now + data.params.search_timeout),
    )


def _with_search(data: SlaData, number: int, search: Searching | None) -> SlaData:
    searches = dict(data.searches)
    if search is None:
        searches.pop(number, None)
    else:
        searches[number] = search
    return replace(data, searches=MappingProxyType(dict(sorted(searches.items()))))


def take_results(data: SlaData, payload: object) -> Result:
    body = _results(payload)
    search = data.searches[body.ordinal]._replace(answered=True, found=body.descriptions)
    return _with_search(data, body.ordinal, search), ()


def forget_search(data: SlaData, payload: object) -> Result:
    number = int.from_bytes(on(payload).neg, "big")
    return _with_search(data, number, None), ()
