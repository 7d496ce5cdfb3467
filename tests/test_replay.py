"""Replay protection: a bounded window of (seq, at) per sender, floors per bucket, immutable."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from pydantic import ValidationError

from reference.codec import encode_message
from reference.envelope import seal
from reference.identity import Identity
from reference.node import create, handle
from reference.replay import EMPTY, Window, admit, bucket_of, empty, victim
from reference.roles import ROLES
from spec.v1 import errors as E
from spec.v1.envelope import MAX_REPLAY_SENDERS
from spec.v1.registry import PARAMS, STACKS
from spec.v1.trace import Deliver
from spec.v1.types import U63_MAX
from spec.v1.wire import Ping, Pong, WireParams


def sender(bucket: int, n: int = 0) -> bytes:
    """A node id of ``bucket`` (its first byte); ``n`` tells apart ids of one bucket."""
    return bytes([bucket, n]) + bytes(14)


A, B, C = sender(0xAA), sender(0xBB), sender(0xCC)
A2 = sender(0xAA, 1)
"""In A's bucket, with the larger id."""


def stale(window: Window, who: bytes, seq: int) -> E.PeerMarketError:
    with pytest.raises(E.PeerMarketError) as info:
        admit(window, who, seq, 99)
    return info.value


def entries(window: Window) -> dict[bytes, tuple[int, int]]:
    return {who: (seq, at) for who, seq, at in window.entries()}


def floors(window: Window) -> dict[int, int]:
    return dict(window.nonzero_floors())


def run(window: Window, *frames: tuple[bytes, int, int]) -> Window:
    for who, seq, at in frames:
        window = admit(window, who, seq, at)
    return window


def test_the_first_number_may_be_anything_above_the_floor_of_0() -> None:
    for seq in (1, 17, U63_MAX):
        assert entries(admit(EMPTY, A, seq, 3)) == {A: (seq, 3)}
    exc = stale(EMPTY, A, 0)
    assert (exc.code, exc.field) == (E.REPLAY_STALE_SEQUENCE, "seq")


def test_increasing_numbers_are_admitted_gaps_allowed_and_at_recorded() -> None:
    window = EMPTY
    for at, seq in enumerate((1, 5, 6, 1000)):
        window = admit(window, A, seq, at)
        assert window.get(A) == (seq, at)


@pytest.mark.parametrize("seq", [10, 9, 1])
def test_equal_or_lower_is_stale_and_changes_nothing(seq: int) -> None:
    window = run(EMPTY, (A, 10, 1), (B, 3, 2))
    before = (entries(window), floors(window))
    exc = stale(window, A, seq)
    assert (exc.code, exc.field) == (E.REPLAY_STALE_SEQUENCE, "seq")
    assert (entries(window), floors(window)) == before


def test_windows_are_per_sender_even_within_a_bucket() -> None:
    window = run(EMPTY, (A, 10, 1), (A2, 1, 2))  # A2's numbers are its own
    assert entries(window) == {A: (10, 1), A2: (1, 2)}
    stale(window, A2, 1)
    assert admit(window, A2, 2, 3).get(A) == (10, 1)


def test_entries_are_sorted_by_sender_across_buckets() -> None:
    window = run(EMPTY, (C, 1, 1), (A2, 1, 2), (B, 1, 3), (A, 1, 4))
    assert [who for who, _, _ in window.entries()] == [A, A2, B, C]


def test_a_full_window_evicts_the_least_recent_entry_into_its_bucket_floor() -> None:
    window = run(empty(2), (A, 1, 1), (B, 5, 2), (A, 2, 3))  # A refreshed: B is least recent
    assert victim(window) == B
    window = admit(window, C, 1, 4)
    assert entries(window) == {A: (2, 3), C: (1, 4)}
    assert floors(window) == {0xBB: 5}
    assert window.size == 2
    stale(window, B, 5)  # B's accepted frame, replayed, stays stale without an entry
    stale(window, sender(0xBB, 9), 5)  # so does anything of B's bucket at or below 5
    assert admit(window, sender(0xBB, 9), 6, 5).get(sender(0xBB, 9)) == (6, 5)
    assert admit(window, sender(0xDD), 1, 5).size == 2  # another bucket's floor is still 0


def test_ties_on_at_go_to_the_smaller_sender_id() -> None:
    window = run(empty(2), (B, 1, 7), (A, 9, 7))
    assert victim(window) == A
    assert floors(admit(window, C, 1, 8)) == {0xAA: 9}


def test_freshness_is_judged_before_the_eviction_it_causes() -> None:
    window = run(empty(1), (A, 10, 1))
    window = admit(window, A2, 3, 2)  # fresh against floor 0; evicting A raises it to 10
    assert entries(window) == {A2: (3, 2)} and floors(window) == {0xAA: 10}
    assert admit(window, A2, 4, 3).get(A2) == (4, 3)  # an entry is judged by itself, not the floor


def test_a_floor_never_goes_down() -> None:
    window = run(empty(2), (A2, 2, 1), (A, 9, 2), (A2, 3, 3), (B, 1, 4))  # evicts A: floor 9
    window = admit(window, C, 1, 5)  # evicts A2 (seq 3)
    assert floors(window) == {0xAA: 9}
    stale(window, A, 9)


def test_a_refused_frame_evicts_nothing() -> None:
    window = run(empty(2), (A, 5, 1), (B, 1, 2), (C, 1, 3))  # evicts A: floor 5
    before = window
    stale(window, A2, 4)
    assert window == before and entries(window) == {B: (1, 2), C: (1, 3)}


def test_the_bound_is_1_to_4096() -> None:
    assert empty(1).bound == 1 and EMPTY.bound == MAX_REPLAY_SENDERS
    for bad in (0, MAX_REPLAY_SENDERS + 1):
        with pytest.raises(ValueError, match="outside"):
            empty(bad)
    with pytest.raises(ValueError, match="nothing to evict"):
        victim(EMPTY)


def test_admit_never_mutates_its_input() -> None:
    window = admit(EMPTY, A, 1, 1)
    after = admit(window, A, 2, 2)
    assert window.get(A) == (1, 1) and after.get(A) == (2, 2)
    assert list(EMPTY.entries()) == [] and EMPTY.size == 0
    with pytest.raises(TypeError):
        after.buckets[bucket_of(A)][A] = (0, 0)  # type: ignore[index]
    with pytest.raises(TypeError):
        after.floors[0] = 1  # type: ignore[index]


SENDERS = [sender(bucket, n) for bucket in (0x10, 0x20, 0x30) for n in range(3)]
frames = st.lists(
    st.tuples(st.sampled_from(SENDERS), st.integers(0, 12), st.integers(0, 2)), max_size=60
)


class Model:
    """The rules of envelope.md, written as plainly as possible."""

    def __init__(self, bound: int) -> None:
        self.bound = bound
        self.entries: dict[bytes, tuple[int, int]] = {}
        self.floors = [0] * 256

    def fresh(self, who: bytes, seq: int) -> bool:
        if who in self.entries:
            return seq > self.entries[who][0]
        return seq > self.floors[who[0]]

    def accept(self, who: bytes, seq: int, at: int) -> None:
        if who not in self.entries and len(self.entries) == self.bound:
            evicted = min(self.entries, key=lambda s: (self.entries[s][1], s))
            self.floors[evicted[0]] = max(self.floors[evicted[0]], self.entries.pop(evicted)[0])
        self.entries[who] = (seq, at)


@given(st.integers(1, 5), frames)
def test_admit_matches_a_simple_model(bound: int, events: list[tuple[bytes, int, int]]) -> None:
    window, model, now = empty(bound), Model(bound), 0
    for who, seq, step in events:
        now += step
        if model.fresh(who, seq):
            window = admit(window, who, seq, now)
            model.accept(who, seq, now)
        else:
            stale(window, who, seq)
        assert entries(window) == model.entries
        assert floors(window) == {b: f for b, f in enumerate(model.floors) if f}


@given(st.integers(1, 4), frames)
def test_nothing_accepted_is_ever_accepted_again_and_the_bound_holds(
    bound: int, events: list[tuple[bytes, int, int]]
) -> None:
    """Whatever the bound and the evictions, a sender's accepted numbers strictly increase:
    no (sender, seq) accepted once, nor any lower number of that sender, is accepted later."""
    window, now = empty(bound), 0
    highest: dict[bytes, int] = {}
    for who, seq, step in events:
        now += step
        try:
            window = admit(window, who, seq, now)
        except E.PeerMarketError as exc:
            assert exc.code == E.REPLAY_STALE_SEQUENCE
        else:
            assert seq > highest.get(who, 0)
            highest[who] = seq
        assert window.size == len(list(window.entries())) <= bound


class ReplayWindow(RuleBasedStateMachine):
    """Every window ever returned stays exactly as it was returned."""

    def __init__(self) -> None:
        super().__init__()
        self.history: list[tuple[Window, Model]] = [(empty(2), Model(2))]

    @rule(who=st.sampled_from(SENDERS), seq=st.integers(0, 20), back=st.integers(0, 5))
    def admit_to_some_past_window(self, who: bytes, seq: int, back: int) -> None:
        window, model = self.history[max(0, len(self.history) - 1 - back)]
        at = max((at for _, at in model.entries.values()), default=0) + 1
        if not model.fresh(who, seq):
            stale(window, who, seq)
            return
        copy = Model(2)
        copy.entries, copy.floors = dict(model.entries), list(model.floors)
        copy.accept(who, seq, at)
        self.history.append((admit(window, who, seq, at), copy))

    @invariant()
    def windows_are_unchanged(self) -> None:
        for window, model in self.history:
            assert entries(window) == model.entries
            assert floors(window) == {b: f for b, f in enumerate(model.floors) if f}


TestReplayWindow = ReplayWindow.TestCase


def test_every_role_sizes_its_window_from_its_parameters() -> None:
    assert set(PARAMS) == set(ROLES)
    for protocol, model in PARAMS.items():
        if protocol in STACKS:
            continue  # its two parts' replay_senders: test_a_whole_stack_has_one_window
        field = model.model_fields["replay_senders"]
        assert field.is_required()
        for bad in (0, MAX_REPLAY_SENDERS + 1):
            with pytest.raises(ValidationError):
                model.model_validate({**_valid_params(protocol), "replay_senders": bad})
        for bound in (1, MAX_REPLAY_SENDERS):
            params = model.model_validate({**_valid_params(protocol), "replay_senders": bound})
            node = create(ROLES[protocol], Identity.from_label("w"), encode_message(params))
            assert node.window == empty(bound)


def test_a_whole_stack_has_one_window() -> None:
    """Both parts of a stack's parameters name the one window's size, and must agree."""
    for protocol, (below, above) in STACKS.items():
        for bound in (1, MAX_REPLAY_SENDERS):
            parts = {
                part: {**_valid_params(part), "replay_senders": bound} for part in (below, above)
            }
            params = PARAMS[protocol].model_validate(parts)
            node = create(ROLES[protocol], Identity.from_label("w"), encode_message(params))
            assert node.window == empty(bound)
        parts = {part: {**_valid_params(part), "replay_senders": 2} for part in (below, above)}
        parts[above] = {**parts[above], "replay_senders": 3}
        with pytest.raises(ValidationError):
            PARAMS[protocol].model_validate(parts)


def _valid_params(protocol: str) -> dict[str, object]:
    auction = {
        "brokers": 4,
        "fanout": 2,
        "table": 4,
        "max_validity": 100,
        "slot_ticks": 10,
        "locate_timeout": 30,
    }
    sla = {
        "max_rounds": 3,
        "max_deadline": 100,
        "max_open": 4,
        "penalty_bp": 0,
        "max_records": 8,
        "pay_within": 10,
        "min_standing": 0,
        "newcomer_bp": 0,
        "search_timeout": 20,
        "replicas": 2,
    }
    return {
        "wire": {},
        "overlay": {"x": 0, "y": 0, "bootstrap": None},
        "auction": auction,
        "sla": sla,
    }[protocol]


def test_a_frame_the_machine_refuses_evicts_nothing() -> None:
    """The node admits to the window only once the machine has accepted the input."""
    b, c = Identity.from_label("replay/b"), Identity.from_label("replay/c")
    node = create(
        ROLES["wire"], Identity.from_label("replay/a"), encode_message(WireParams(replay_senders=1))
    )
    node, _ = handle(
        node,
        1,
        Deliver(kind="deliver", link=b.node_id, frame=seal(b, Ping(nonce=bytes(8), sent_at=0), 4)),
    )
    pong = seal(c, Pong(nonce=bytes(8), ping_sent_at=0), 1)
    with pytest.raises(E.PeerMarketError) as info:
        handle(node, 2, Deliver(kind="deliver", link=c.node_id, frame=pong))
    assert info.value.code == E.MACHINE_GUARD_REJECTED
    assert list(node.window.entries()) == [(b.node_id, 4, 1)] and floors(node.window) == {}
