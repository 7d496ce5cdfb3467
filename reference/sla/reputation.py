"""A peer's standing: the local trust metric over this node's own records of its
agreements with that peer (``sla.md``, "Standing and reputation").

A record counts for the peer when the peer did its part for something of value: as
provider, a completed agreement that charged something; as consumer, a settled one with
something due. It counts against the peer when the peer failed: as provider, a violated
agreement; as consumer, one it owes on and has not paid ``pay_within`` ticks after it
(or its barter pair) closed. Standing is ``max(0, good - 2 * bad)``, so a newcomer's 0 is
the least any identity has, and a fresh identity never stands better than a spent one.
"""

from reference.sla.data import Closed, SlaData


def pair_record(data: SlaData, record: Closed) -> Closed | None:
    """The record of a barter leg's other leg, when this node still keeps it."""
    if record.pair is None:
        return None
    for other in data.records:
        if other.neg == record.pair:
            return other
    return None


def owed(data: SlaData, record: Closed) -> int:
    """What the consumer of ``record`` owes once it and its pair are closed: its due, less
    the other leg's due (0 when the other leg's record is gone); negative when it is owed."""
    other = pair_record(data, record)
    return record.due - (0 if other is None else other.due)


def _settles_at(data: SlaData, record: Closed) -> int:
    """The tick the agreement, or its barter pair, closed: the later leg's."""
    other = pair_record(data, record)
    return record.closed if other is None else max(record.closed, other.closed)


def _good(record: Closed) -> bool:
    if record.role == "consumer":
        return record.outcome == "completed" and record.charged > 0
    return record.settled and record.due > 0


def _bad(data: SlaData, record: Closed, now: int) -> bool:
    if record.role == "consumer":
        return record.outcome == "violated"
    return (
        not record.settled
        and record.pair not in data.negotiations
        and owed(data, record) > 0
        and now > _settles_at(data, record) + data.params.pay_within
    )


def standing(data: SlaData, peer: bytes, now: int) -> int:
    """``max(0, good - 2 * bad)`` over this node's records of agreements with ``peer``."""
    good = bad = 0
    for record in data.records:
        if record.peer != peer:
            continue
        good += _good(record)
        bad += _bad(data, record, now)
    return max(0, good - 2 * bad)
