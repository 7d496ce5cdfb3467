"""Settlement between the parties' A&C (``sla.md``, "Payment and settlement"): the consumer
of a closed agreement pays what is due; a barter pair is settled together once both legs
have closed, the party that owes the difference of their dues paying it. Nothing owed is
settled at once; a payment settles the agreement, or both legs, at both parties."""

from dataclasses import replace

from reference.effects import Effect, Emit
from reference.sla.context import on
from reference.sla.data import Closed, SlaData
from reference.sla.reputation import owed, pair_record
from spec.v1.sla.messages import Payment

Result = tuple[SlaData, tuple[Effect, ...]]


def _settled(data: SlaData, negs: set[bytes]) -> SlaData:
    records = tuple(r._replace(settled=True) if r.neg in negs else r for r in data.records)
    return replace(data, records=records)


def settle_pair(data: SlaData, record: Closed) -> SlaData:
    """The agreement settled, with its barter pair's other leg when kept."""
    other = pair_record(data, record)
    return _settled(data, {record.neg} if other is None else {record.neg, other.neg})


def _open_pair(data: SlaData, record: Closed) -> bool:
    return record.pair is not None and record.pair in data.negotiations


def closing(data: SlaData, record: Closed) -> SlaData:
    """Keep a just-closed agreement's record (oldest records go first); when nothing is owed
    on it, or on its pair once both legs are closed, it is settled at once."""
    records = tuple(sorted((*data.records, record)))[-data.params.max_records :]
    data = replace(data, records=records)
    kept = next((r for r in data.records if r.neg == record.neg), None)
    if kept is None or _open_pair(data, kept) or owed(data, kept) != 0:
        return data
    return settle_pair(data, kept)


def _record(data: SlaData, payload: object) -> Closed | None:
    neg = on(payload).neg
    return next((r for r in data.records if r.neg == neg), None)


def _kept(data: SlaData, payload: object) -> Closed:
    record = _record(data, payload)
    assert record is not None
    return record


# -- guards --


def not_recorded(data: SlaData, payload: object) -> bool:
    return _record(data, payload) is None


def not_recorded_peer(data: SlaData, payload: object) -> bool:
    return on(payload).sender != _kept(data, payload).peer


def already_settled(data: SlaData, payload: object) -> bool:
    return _kept(data, payload).settled


def pair_open(data: SlaData, payload: object) -> bool:
    return _open_pair(data, _kept(data, payload))


def not_owed(data: SlaData, payload: object) -> bool:
    """A command: this node did not consume it, or owes nothing. A message: the sender did
    not consume it (this node did not provide it), or pays another amount than it owes."""
    event = on(payload)
    record = _kept(data, payload)
    if event.stim.body is None:
        return record.role != "consumer" or owed(data, record) <= 0
    body = event.body
    assert isinstance(body, Payment)
    return record.role != "provider" or body.amount != owed(data, record)


# -- actions --


def pay(data: SlaData, payload: object) -> Result:
    record = _kept(data, payload)
    payment = Payment(neg=record.neg, amount=owed(data, record))
    return settle_pair(data, record), (Emit("payment", record.peer, payment),)


def take_payment(data: SlaData, payload: object) -> Result:
    return settle_pair(data, _kept(data, payload)), ()
