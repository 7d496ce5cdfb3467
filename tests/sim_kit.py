"""Shared set-up of the simulator tests: wire networks, pings, recording and replay."""

import hashlib
from collections.abc import Callable, Mapping
from typing import Any

from reference import node
from reference.identity import Identity, seed_from_label
from reference.roles import ROLES
from reference.sim import Behaviour, FrameRuntime, NetworkConfig, Recorder, Simulator, command
from spec.v1 import errors as E
from spec.v1 import wire
from spec.v1.trace import Generator, Trace

GEN = Generator(name="test-sim", version="1")


def wire_sim(
    label: str,
    names: tuple[str, ...] = ("a", "b"),
    *,
    loss_ppm: int = 0,
    log: bool = True,
    behaviours: Mapping[str, Behaviour[bytes]] | None = None,
    coords: Mapping[str, tuple[int, int]] | None = None,
    seed: object = None,
) -> Simulator[Any, bytes]:
    sim: Simulator[Any, bytes] = Simulator(
        FrameRuntime(),
        seed=label if seed is None else seed,  # type: ignore[arg-type]
        config=NetworkConfig(loss_ppm=loss_ppm, log=log),
    )
    for name in names:
        sim.add_node(
            name,
            protocol=wire.PROTOCOL,
            seed=seed_from_label(f"{label}/{name}"),
            coords=None if coords is None else coords.get(name),
            behaviour=None if behaviours is None else behaviours.get(name),
        )
    return sim


def ping(sim: Simulator[Any, bytes], at: int, src: str, dst: str, tag: str = "") -> None:
    nonce = hashlib.sha256(f"{src}/{dst}/{at}/{tag}".encode()).digest()[:8]
    sim.command(at, src, command("ping", wire.PingCommand(to=sim.node_id(dst), nonce=nonce)))


def mesh(sim: Simulator[Any, bytes], rounds: int, spacing: int = 400) -> None:
    for r in range(rounds):
        for i, src in enumerate(sim.names):
            for dst in sim.names:
                if dst != src:
                    ping(sim, r * spacing + i, src, dst)


def trace_of(recorder: Recorder, **kw: Any) -> Trace:
    kw.setdefault("flags", ("StaleSequence",) if recorder.error_codes else ())
    return recorder.trace(case_id="test/sim/case-001", description="t", generator=GEN, **kw)


def replay(trace: Trace, roles: Mapping[str, node.ProtocolRole[Any]] = ROLES) -> None:
    """Replay every step on a fresh node: outputs, errors and states must match exactly."""
    (setup,) = trace.content.header.nodes
    current = node.create(roles[setup.protocol], Identity.from_seed(setup.seed), setup.params)
    for number, step in enumerate(trace.content.steps):
        try:
            updated, outputs = node.handle(current, step.at, step.input)
        except E.PeerMarketError as exc:
            assert step.expect.error == exc.code.code, f"step {number}"
            assert step.expect.outputs == (), f"step {number}"
            updated = current
        else:
            assert step.expect.error is None, f"step {number}"
            assert outputs == step.expect.outputs, f"step {number}"
        if step.expect.state is not None:
            assert node.observe(updated) == step.expect.state, f"step {number}"
        current = updated


def log_of(sim: Simulator[Any, bytes]) -> list[tuple[Any, ...]]:
    assert sim.log is not None
    return [tuple(entry) for entry in sim.log]


def adversarial(
    label: str, behaviour: Behaviour[bytes] | Callable[[Simulator[Any, bytes]], Behaviour[bytes]]
) -> tuple[Simulator[Any, bytes], Recorder]:
    """Honest ``a`` and ``b`` and a misbehaving ``m``, two rounds of pings, ``a`` recorded."""
    sim = wire_sim(label, ("a", "b"))
    made = behaviour(sim) if callable(behaviour) else behaviour
    sim.add_node("m", protocol="wire", seed=seed_from_label(f"{label}/m"), behaviour=made)
    recorder = sim.record("a")
    mesh(sim, 2)
    sim.run()
    return sim, recorder
