"""The states of ``sla.agreement`` and the builders its rows are written with (shared by
the negotiation's rows in :mod:`~spec.v1.sla.table` and the agreement's life in
:mod:`~spec.v1.sla.life`)."""

from typing import Final

from spec.v1.machine import Transition
from spec.v1.machine import row as _row

RUNNING: Final = "running"

IDLE: Final = "idle"
CALLING: Final = "calling"
PROPOSED: Final = "proposed"
REFUSED: Final = "refused"
ACCEPTING: Final = "accepting"
ANSWERED: Final = "answered"
PENDING: Final = "pending"
OBSERVED: Final = "observed"


def refuse(
    id_: str, state: str, trigger: str, guard: str | None, code: str, note: str
) -> Transition:
    return _row(id_, state, trigger, guard, None, state, note=note, refuses=code)


def stranger(id_: str, state: str, trigger: str) -> Transition:
    return refuse(
        id_,
        state,
        trigger,
        "not_from_peer",
        "sla.not_party",
        "Sent by a node that is not the negotiation's other party.",
    )


def late(id_: str, state: str, trigger: str) -> Transition:
    return refuse(
        id_,
        state,
        trigger,
        "past_deadline",
        "sla.deadline_passed",
        "After the negotiation's deadline (now > deadline), before its timer has fired.",
    )


def expire(id_: str, state: str) -> Transition:
    return _row(
        id_,
        state,
        "timer:deadline",
        None,
        "forget",
        IDLE,
        note="The deadline passed without an agreement: the negotiation is forgotten.",
    )
