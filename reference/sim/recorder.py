"""Record one node's inputs and outputs as trace steps, then seal them into a trace.

A recorded trace starts from the node's creation, so replaying its steps on
a fresh node built from the header's set-up must give the same outputs and
states. A refused input becomes a negative step: its error code, no outputs,
and (when a state is recorded) the unchanged state.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from reference.corpus import seal_trace
from spec.v1 import SPEC_VERSION
from spec.v1.trace import (
    MAX_STEPS,
    TRACE_FORMAT,
    Expect,
    Generator,
    Input,
    NodeSetup,
    Output,
    Peer,
    Step,
    Tag,
    Trace,
    TraceHeader,
)


@dataclass(frozen=True, slots=True)
class _Recorded:
    at: int
    input: Input
    outputs: tuple[Output, ...]
    error: str | None
    state: bytes | None
    note: str


class Recorder:
    """Collects the steps of one node while the simulator runs.

    ``state_every``: record the observable state after every k-th step (1:
    every step; 0: only after the last). The last recorded step always
    carries the state. ``limit``: stop recording after that many steps (the
    trace is then a prefix of the node's life, still replayable).

    What is recorded is the node's own step API: for a node with a behaviour,
    the inputs that got past it and the outputs before it tampered with them.
    """

    def __init__(
        self,
        setup: NodeSetup,
        node_id: bytes,
        peer_name: Callable[[bytes], str | None],
        state_every: int = 1,
        limit: int | None = None,
    ) -> None:
        if state_every < 0:
            raise ValueError("state_every must be >= 0")
        cap = MAX_STEPS if limit is None else limit
        if not 1 <= cap <= MAX_STEPS:
            raise ValueError(f"limit must be within 1..{MAX_STEPS}")
        self.setup = setup
        self.node_id = node_id
        self.state_every = state_every
        self.limit = cap
        self._peer_name = peer_name
        self._steps: list[_Recorded] = []
        self._final_state: Callable[[], bytes] | None = None
        self._seen: dict[bytes, None] = {}

    @property
    def full(self) -> bool:
        return len(self._steps) >= self.limit

    @property
    def steps_recorded(self) -> int:
        return len(self._steps)

    @property
    def error_codes(self) -> tuple[str, ...]:
        """Error codes of the negative steps so far, sorted, each once."""
        return tuple(sorted({s.error for s in self._steps if s.error is not None}))

    def add(
        self,
        at: int,
        item: Input,
        outputs: tuple[Output, ...],
        error: str | None,
        state: Callable[[], bytes],
        note: str,
    ) -> None:
        """Record one step; ``state`` gives the node's observable state after it."""
        if self.full:
            return
        number = len(self._steps) + 1
        wanted = self.state_every > 0 and number % self.state_every == 0
        self._steps.append(_Recorded(at, item, outputs, error, state() if wanted else None, note))
        self._final_state = state
        if item.kind == "deliver":
            self._seen.setdefault(item.link, None)
        for output in outputs:
            self._seen.setdefault(output.to, None)

    def trace(
        self,
        *,
        case_id: str,
        description: str,
        generator: Generator,
        tags: Iterable[Tag] = ("scenario",),
        flags: Iterable[str] = (),
    ) -> Trace:
        """The recorded steps as a sealed trace.

        ``negative`` is added to the tags when a step expects an error, and
        such a trace must name the attack flags it exercises.
        """
        if not self._steps:
            raise ValueError(f"node {self.setup.name!r}: nothing was recorded")
        tag_list = list(dict.fromkeys(tags))
        flag_list = list(dict.fromkeys(flags))
        if self.error_codes:
            if "negative" not in tag_list:
                tag_list.append("negative")
            if not flag_list:
                raise ValueError(
                    f"{case_id}: steps expect {list(self.error_codes)}; name the attack flags"
                )
        header = TraceHeader(
            trace_format=TRACE_FORMAT,
            spec_version=SPEC_VERSION,
            protocol=self.setup.protocol,
            case_id=case_id,
            generator=generator,
            description=description,
            tags=tuple(tag_list),
            flags=tuple(flag_list),
            nodes=(self.setup,),
            peers=self._peers(),
        )
        return seal_trace(header, self._build_steps())

    def _build_steps(self) -> list[Step]:
        steps: list[Step] = []
        last = len(self._steps) - 1
        for number, rec in enumerate(self._steps):
            state = rec.state
            if number == last and state is None and self._final_state is not None:
                state = self._final_state()
            steps.append(
                Step(
                    node=self.setup.name,
                    at=rec.at,
                    input=rec.input,
                    expect=Expect(outputs=rec.outputs, error=rec.error, state=state),
                    note=rec.note,
                )
            )
        return steps

    def _peers(self) -> tuple[Peer, ...]:
        named = []
        for node_id in self._seen:
            if node_id == self.node_id:
                continue
            name = self._peer_name(node_id) or f"unknown-{node_id.hex()[:8]}"
            named.append((name, node_id))
        return tuple(Peer(name=name, node_id=node_id) for name, node_id in sorted(named))
