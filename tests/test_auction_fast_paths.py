"""The offer path's shortcuts build the same data as the long way round.

``with_pending`` and ``with_broker`` name every field instead of calling
``dataclasses.replace`` (which is slow on the hot path): a field added to
:class:`BrokerData` or :class:`AuctionData` and not passed on would silently
fall back to its default, so these tests fill every field with its own marker.
"""

from dataclasses import fields, replace
from types import MappingProxyType

from reference import replay
from reference.auction.data import (
    AuctionData,
    BrokerData,
    Held,
    put,
    with_broker,
    with_control,
    with_pending,
)

SERVICE = b"s" * 16
OTHER = b"o" * 16


def _markers(cls: type, **given: object) -> dict[str, object]:
    """A distinct object for every field of ``cls`` (``given`` where the type matters)."""
    return {f.name: given.get(f.name, object()) for f in fields(cls)}


def test_with_pending_passes_every_other_field_on() -> None:
    before = BrokerData(**_markers(BrokerData))  # type: ignore[arg-type]
    pending: MappingProxyType[bytes, Held] = MappingProxyType({})
    after = with_pending(before, pending)
    assert after.pending is pending
    for f in fields(BrokerData):
        if f.name != "pending":
            assert getattr(after, f.name) is getattr(before, f.name), f.name


def test_with_broker_passes_every_other_field_on() -> None:
    brokers = MappingProxyType({OTHER: BrokerData(origin=0, slot=0)})
    before = AuctionData(**_markers(AuctionData, brokers=brokers))  # type: ignore[arg-type]
    broker = BrokerData(origin=1, slot=2)
    after = with_broker(before, SERVICE, broker)
    assert after.brokers == put(brokers, SERVICE, broker)
    assert list(after.brokers) == sorted([OTHER, SERVICE])
    for f in fields(AuctionData):
        if f.name != "brokers":
            assert getattr(after, f.name) is getattr(before, f.name), f.name


def test_with_control_unchanged_is_the_long_way_round() -> None:
    controls = MappingProxyType({OTHER: "brokering", SERVICE: "trading"})
    before = AuctionData(**_markers(AuctionData, controls=controls))  # type: ignore[arg-type]
    for service, control in ((SERVICE, "trading"), (OTHER, "brokering")):
        after = with_control(before, service, control)
        assert after is before
        long_way = replace(before, controls=put(controls, service, control))  # type: ignore[arg-type]
        assert after == long_way and list(after.controls) == list(long_way.controls)
    changed = with_control(before, SERVICE, "brokering")
    assert changed.controls == {OTHER: "brokering", SERVICE: "brokering"}


def test_admit_keeps_the_buckets_a_proxy() -> None:
    window = replay.empty(8)
    for index in range(4):
        window = replay.admit(window, bytes([index % 2, index]) + bytes(14), 1, index)
        assert type(window.buckets) is MappingProxyType
    assert window.size == 4 and sorted(window.buckets) == [0, 1]
