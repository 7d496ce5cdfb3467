"""The overlay node's machine: ``overlay.node``.

Rows with the same state and trigger are tried in table order (normative).
``message:ping`` and ``message:pong`` are the ``wire`` protocol's messages,
which an overlay node also speaks: they are its liveness probes.
"""

from typing import Final

from spec.v1.machine import MachineTable, Transition, Trigger, TriggerKind

IDLE: Final = "idle"
JOINING: Final = "joining"
ACTIVE: Final = "active"
DEPARTED: Final = "departed"


def _row(
    id_: str,
    source: str,
    trigger: str,
    guard: str | None,
    action: str | None,
    target: str,
    emits: tuple[str, ...] = (),
    note: str = "",
) -> Transition:
    kind, name = trigger.split(":", 1)
    assert kind in ("message", "timer", "command")
    trigger_kind: TriggerKind = kind  # type: ignore[assignment]
    return Transition(
        id=id_,
        source=source,
        trigger=Trigger(kind=trigger_kind, name=name),
        guard=guard,
        action=action,
        target=target,
        emits=emits,
        note=note,
    )


TABLE: Final = MachineTable(
    name="overlay.node",
    states=(IDLE, JOINING, ACTIVE, DEPARTED),
    initial=IDLE,
    transitions=(
        # -- idle: created, in no ring yet --
        _row(
            "create_ring",
            IDLE,
            "command:create_ring",
            None,
            "create_ring",
            ACTIVE,
            note="First node of a ring: empty tables, probing starts.",
        ),
        _row(
            "join",
            IDLE,
            "command:join",
            "bootstrap_known",
            "start_join",
            JOINING,
            ("route",),
            note="Hand a signed join_request (key = own id, hops 0) to the bootstrap node.",
        ),
        _row("idle_ping", IDLE, "message:ping", None, "answer_ping", IDLE, ("pong",)),
        # -- joining: waiting for the state of the nodes on the join route --
        _row(
            "join_finish",
            JOINING,
            "message:join_state",
            "join_state_completes",
            "finish_join",
            ACTIVE,
            ("announce",),
            note="The root and every hop before it have answered: announce to L, R and M.",
        ),
        _row(
            "join_absorb",
            JOINING,
            "message:join_state",
            "join_state_expected",
            "absorb_join_state",
            JOINING,
        ),
        _row(
            "join_acked", JOINING, "message:route_ack", "hop_pending", "accept_route_ack", JOINING
        ),
        _row(
            "join_unreachable",
            JOINING,
            "timer:hop_timeout",
            None,
            "abandon_join",
            IDLE,
            note="The bootstrap node never acknowledged the join request.",
        ),
        _row(
            "join_timeout_finish",
            JOINING,
            "timer:join",
            "root_answered",
            "finish_join",
            ACTIVE,
            ("announce",),
            note="Some hop's state never came, but the root's did: finish with what arrived.",
        ),
        _row("join_timeout_abandon", JOINING, "timer:join", None, "abandon_join", IDLE),
        _row("joining_ping", JOINING, "message:ping", None, "answer_ping", JOINING, ("pong",)),
        # -- active: routing, maintenance, lookups --
        _row(
            "answer_ping",
            ACTIVE,
            "message:ping",
            None,
            "answer_member_ping",
            ACTIVE,
            ("pong", "leaf_request"),
            note="A ping from a node that belongs in the leaf set but is not in it, and is "
            "not on the failed list: ask it for its leaf set too.",
        ),
        _row(
            "probe_answered", ACTIVE, "message:pong", "probe_pending", "accept_probe_reply", ACTIVE
        ),
        _row(
            "probe_round",
            ACTIVE,
            "timer:probe",
            None,
            "probe_leaf_set",
            ACTIVE,
            ("ping",),
            note="Ping every leaf-set member; restart the period.",
        ),
        _row(
            "maintain_round",
            ACTIVE,
            "timer:maintain",
            None,
            "maintain_table",
            ACTIVE,
            ("row_sync",),
            note="For each row with an empty slot above a populated row, ask one of its "
            "entries for its row; restart the period.",
        ),
        _row(
            "probe_expired",
            ACTIVE,
            "timer:probe_timeout",
            None,
            "fail_unanswered",
            ACTIVE,
            ("leaf_request", "row_request", "ping"),
            note="Members that did not answer are declared failed; repair starts.",
        ),
        _row(
            "route_deliver",
            ACTIVE,
            "message:route",
            "route_ends_here",
            "deliver_routed",
            ACTIVE,
            ("route_ack", "lookup_reply", "join_state", "row_request"),
            note="This node is the root for the key: answer the lookup or the joiner.",
        ),
        _row(
            "route_forward",
            ACTIVE,
            "message:route",
            "route_continues",
            "forward_routed",
            ACTIVE,
            ("route_ack", "route", "join_state", "row_request"),
            note="Forward to next_hop; a join request also gets this node's rows.",
        ),
        _row(
            "route_drop",
            ACTIVE,
            "message:route",
            "route_cannot_continue",
            "drop_routed",
            ACTIVE,
            ("route_ack",),
            note="Hop limit reached or no room to track the forward: acknowledge, drop.",
        ),
        _row("route_acked", ACTIVE, "message:route_ack", "hop_pending", "accept_route_ack", ACTIVE),
        _row(
            "hop_expired",
            ACTIVE,
            "timer:hop_timeout",
            None,
            "reroute_unacknowledged",
            ACTIVE,
            ("route", "lookup_reply", "join_state", "leaf_request", "row_request", "ping"),
            note="Next hops that did not acknowledge are declared failed; re-route.",
        ),
        _row(
            "announce",
            ACTIVE,
            "message:announce",
            "ref_is_signer",
            "absorb_announce",
            ACTIVE,
            ("leaf_update", "ping"),
        ),
        _row(
            "leaf_update",
            ACTIVE,
            "message:leaf_update",
            "ref_is_signer",
            "absorb_leaf_update",
            ACTIVE,
            ("leaf_update", "ping"),
        ),
        _row(
            "leaf_request",
            ACTIVE,
            "message:leaf_request",
            "ref_is_signer",
            "answer_leaf_request",
            ACTIVE,
            ("leaf_update",),
        ),
        _row(
            "row_request",
            ACTIVE,
            "message:row_request",
            "ref_is_signer",
            "answer_row_request",
            ACTIVE,
            ("row_reply",),
        ),
        _row(
            "row_reply",
            ACTIVE,
            "message:row_reply",
            "entry_fits_slot",
            "absorb_row_reply",
            ACTIVE,
            ("ping",),
        ),
        _row(
            "row_sync",
            ACTIVE,
            "message:row_sync",
            "ref_is_signer",
            "answer_row_sync",
            ACTIVE,
            ("row_state",),
        ),
        _row(
            "row_state",
            ACTIVE,
            "message:row_state",
            "row_state_fits",
            "absorb_row_state",
            ACTIVE,
            ("ping",),
        ),
        _row(
            "departure",
            ACTIVE,
            "message:departure",
            "ref_is_signer",
            "forget_departed",
            ACTIVE,
            ("leaf_request", "row_request", "ping"),
        ),
        _row(
            "lookup_local",
            ACTIVE,
            "command:lookup",
            "lookup_is_local",
            "answer_locally",
            ACTIVE,
            ("row_request",),
            note="This node is the root for the key: the answer is recorded at once.",
        ),
        _row(
            "lookup_route",
            ACTIVE,
            "command:lookup",
            "lookup_slot_free",
            "start_lookup",
            ACTIVE,
            ("route", "row_request"),
        ),
        _row(
            "lookup_answered",
            ACTIVE,
            "message:lookup_reply",
            "lookup_pending",
            "record_answer",
            ACTIVE,
        ),
        _row("lookup_expired", ACTIVE, "timer:lookup_timeout", None, "expire_lookups", ACTIVE),
        _row(
            "leave",
            ACTIVE,
            "command:leave",
            None,
            "depart",
            DEPARTED,
            ("departure",),
            note="Tell L, R and M; every timer stops. A departed node accepts nothing.",
        ),
    ),
)
"""The ``overlay.node`` machine (see ``prose/overlay.md`` for every guard and action)."""
