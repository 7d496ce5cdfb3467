"""An illustrative machine table for the docs. It is NOT part of the spec.

A liveness prober built on the ``wire`` protocol's ping and pong: it shows
guards, table order, timers and emits on one screen. The state-machine
page renders it with the ``peermarket-machine`` directive, and
``tests/test_docs.py`` runs it through the reference engine to check what
the page says about it.
"""

from spec.v1.machine import MachineTable, Transition, Trigger

PROBER = MachineTable(
    name="example.prober",
    states=("idle", "waiting", "suspect"),
    initial="idle",
    transitions=(
        Transition(
            id="probe",
            source="idle",
            trigger=Trigger(kind="command", name="probe"),
            guard=None,
            action="send_ping",
            target="waiting",
            emits=("ping",),
            note="Send a ping with a fresh nonce and start the timer `probe_timeout`.",
        ),
        Transition(
            id="answered",
            source="waiting",
            trigger=Trigger(kind="message", name="pong"),
            guard="nonce_matches",
            action="record_alive",
            target="idle",
            note="The pong echoes our nonce: the peer is alive; cancel the timer.",
        ),
        Transition(
            id="timed_out",
            source="waiting",
            trigger=Trigger(kind="timer", name="probe_timeout"),
            guard=None,
            action="record_suspect",
            target="suspect",
            note="No matching pong in time.",
        ),
        Transition(
            id="reprobe",
            source="suspect",
            trigger=Trigger(kind="command", name="probe"),
            guard="retries_left",
            action="send_ping",
            target="waiting",
            emits=("ping",),
            note="Try again while retries are left.",
        ),
        Transition(
            id="give_up",
            source="suspect",
            trigger=Trigger(kind="command", name="probe"),
            guard=None,
            action="record_dead",
            target="idle",
            note="Reached only when `retries_left` does not hold (table order).",
        ),
    ),
)
"""Three states, five rows; ``reprobe`` and ``give_up`` share source and trigger."""
