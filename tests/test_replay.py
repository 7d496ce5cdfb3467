"""Replay protection: strictly increasing sequence numbers per sender, immutable windows."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from reference.replay import EMPTY, SequenceWindow, admit
from spec.v1 import errors as E
from spec.v1.types import U63_MAX

A = b"\xaa" * 16
B = b"\xbb" * 16


def stale(window: SequenceWindow, sender: bytes, seq: int) -> E.PeerMarketError:
    with pytest.raises(E.PeerMarketError) as info:
        admit(window, sender, seq)
    return info.value


def test_first_number_may_be_anything() -> None:
    for seq in (0, 1, 17, U63_MAX):
        assert dict(admit(EMPTY, A, seq)) == {A: seq}


def test_increasing_numbers_are_admitted_gaps_allowed() -> None:
    window = EMPTY
    for seq in (0, 1, 5, 6, 1000):
        window = admit(window, A, seq)
        assert window[A] == seq


@pytest.mark.parametrize("seq", [10, 9, 0])
def test_equal_or_lower_is_stale_and_changes_nothing(seq: int) -> None:
    window = admit(admit(EMPTY, A, 10), B, 3)
    before = dict(window)
    exc = stale(window, A, seq)
    assert (exc.code, exc.field) == (E.REPLAY_STALE_SEQUENCE, "seq")
    assert dict(window) == before


def test_windows_are_per_sender() -> None:
    window = admit(EMPTY, A, 10)
    window = admit(window, B, 1)  # B's numbers are its own
    assert dict(window) == {A: 10, B: 1}
    stale(window, B, 1)
    assert admit(window, B, 2)[A] == 10


def test_admit_never_mutates_its_input() -> None:
    window = admit(EMPTY, A, 1)
    after = admit(window, A, 2)
    assert window[A] == 1 and after[A] == 2
    assert dict(EMPTY) == {}
    with pytest.raises(TypeError):
        after[A] = 0  # type: ignore[index]


@given(st.lists(st.tuples(st.sampled_from([A, B, b"\x00" * 16]), st.integers(0, 50)), max_size=40))
def test_admit_matches_a_simple_model(events: list[tuple[bytes, int]]) -> None:
    window: SequenceWindow = EMPTY
    model: dict[bytes, int] = {}
    for sender, seq in events:
        if sender in model and seq <= model[sender]:
            exc = stale(window, sender, seq)
            assert exc.code == E.REPLAY_STALE_SEQUENCE
        else:
            window = admit(window, sender, seq)
            model[sender] = seq
        assert dict(window) == model


class ReplayWindow(RuleBasedStateMachine):
    """Every window ever returned stays exactly as it was returned."""

    def __init__(self) -> None:
        super().__init__()
        self.history: list[tuple[SequenceWindow, dict[bytes, int]]] = [(EMPTY, {})]

    @rule(sender=st.sampled_from([A, B]), seq=st.integers(0, 20), back=st.integers(0, 5))
    def admit_to_some_past_window(self, sender: bytes, seq: int, back: int) -> None:
        window, model = self.history[max(0, len(self.history) - 1 - back)]
        if sender in model and seq <= model[sender]:
            stale(window, sender, seq)
        else:
            self.history.append((admit(window, sender, seq), {**model, sender: seq}))

    @invariant()
    def windows_are_unchanged(self) -> None:
        for window, model in self.history:
            assert dict(window) == model


TestReplayWindow = ReplayWindow.TestCase
