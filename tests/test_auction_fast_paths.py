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


def test_handle_builds_the_next_node_from_every_field() -> None:
    """``reference.node.handle`` builds the next :class:`Node` positionally: a field added
    to it must be added there too (this list fails first, and says where to look)."""
    from reference.node import Node

    assert [f.name for f in fields(Node)] == [
        "role",
        "identity",
        "state",
        "now",
        "next_seq",
        "window",
        "timers",
    ], "Node changed: update the Node(...) call at the end of reference.node.handle"


def test_a_step_that_touches_no_timer_keeps_the_timers_mapping() -> None:
    """Timers are copied only when a step starts, stops or fires one."""
    from reference.codec import encode_message
    from reference.envelope import seal
    from reference.identity import Identity
    from reference.node import create, handle
    from reference.roles import ROLES
    from reference.sim import command
    from spec.v1.overlay.commands import CreateRingCommand, OverlayParams
    from spec.v1.trace import Deliver
    from spec.v1.wire import Ping

    params = encode_message(OverlayParams(x=0, y=0, bootstrap=None, replay_senders=8))
    node = create(ROLES["overlay"], Identity.from_label("fast/a"), params)
    node, _ = handle(node, 1, command("create_ring", CreateRingCommand()))
    assert set(node.timers) == {"probe", "maintain"}  # started: a new mapping
    peer = Identity.from_label("fast/b")
    ping = seal(peer, Ping(nonce=b"12345678", sent_at=1), 1)
    after, _ = handle(node, 2, Deliver(kind="deliver", link=peer.node_id, frame=ping))
    assert after.timers is node.timers  # a pong starts no timer: the same mapping
