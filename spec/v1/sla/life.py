"""The rows of ``sla.agreement`` for the agreement's life, after ``pending``: the provider
starting the service (interfaces H and I), usage reports (J), completion, termination, the
end of the agreement's period, and usage for an agreement the node does not hold
(``sla.md``, "The agreement's life")."""

from typing import Final

from spec.v1.machine import Transition
from spec.v1.machine import row as _row
from spec.v1.sla.rows import IDLE, OBSERVED, PENDING, refuse, stranger


def _wrong_side(id_: str, state: str, trigger: str, guard: str, note: str) -> Transition:
    return refuse(id_, state, trigger, guard, "sla.not_party", note)


def _running(state: str, prefix: str) -> tuple[Transition, ...]:
    """The rows an agreement has both before its service starts and while it runs."""
    return (
        stranger(f"{prefix}usage_stranger", state, "message:usage"),
        _wrong_side(
            f"{prefix}usage_to_provider",
            state,
            "message:usage",
            "at_provider",
            "Usage reports go from the provider to the consumer, never back.",
        ),
        refuse(
            f"{prefix}usage_seq",
            state,
            "message:usage",
            "not_next_report",
            "sla.bad_seq",
            "A report whose seq is not the number of reports so far + 1.",
        ),
        refuse(
            f"{prefix}usage_over",
            state,
            "message:usage",
            "usage_over_units",
            "sla.over_units",
            "A report that takes the units used beyond the agreement's units.",
        ),
        _row(
            f"{prefix}usage_breach",
            state,
            "message:usage",
            "usage_breaches",
            "close_violated",
            IDLE,
            note="The report completes a guarantee's window of reports out of bound: the "
            "agreement is violated and closed with its penalty.",
        ),
        _row(
            f"{prefix}usage",
            state,
            "message:usage",
            None,
            "take_usage",
            OBSERVED,
            note="A&C records the report and its charge (unit_price * units).",
        ),
        stranger(f"{prefix}done_stranger", state, "message:inform_done"),
        _wrong_side(
            f"{prefix}done_to_provider",
            state,
            "message:inform_done",
            "at_provider",
            "Only the provider informs its consumer that the service is done.",
        ),
        refuse(
            f"{prefix}done_wrong",
            state,
            "message:inform_done",
            "wrong_total",
            "sla.wrong_charge",
            "The provider's count of reports or charge is not the tariff applied to the "
            "reports the consumer recorded.",
        ),
        _row(
            f"{prefix}done",
            state,
            "message:inform_done",
            None,
            "close_completed",
            IDLE,
            note="The service is delivered and charged as recorded: the agreement is completed.",
        ),
        _row(
            f"{prefix}terminate",
            state,
            "command:terminate",
            None,
            "terminate",
            IDLE,
            ("terminate",),
            note="This party ends the agreement: tell the other, close it as terminated.",
        ),
        stranger(f"{prefix}terminated_stranger", state, "message:terminate"),
        _row(
            f"{prefix}terminated",
            state,
            "message:terminate",
            None,
            "close_terminated",
            IDLE,
            note="The other party ends the agreement: close it as terminated.",
        ),
    )


def _gone(id_: str, trigger: str, what: str) -> tuple[Transition, ...]:
    return (
        refuse(
            f"{id_}_closed",
            IDLE,
            trigger,
            "closed_agreement",
            "sla.agreement_closed",
            f"{what} for an agreement that has closed (its record is kept).",
        ),
        refuse(
            f"{id_}_unknown",
            IDLE,
            trigger,
            None,
            "sla.unknown_agreement",
            f"{what} for an agreement this node never held (or no longer remembers).",
        ),
    )


LIFE_ROWS: Final[tuple[Transition, ...]] = (
    # -- the agreement's service starts (provider, interfaces H and I) --
    _wrong_side(
        "start_consumer",
        PENDING,
        "command:start",
        "at_consumer",
        "Only the provider starts the service.",
    ),
    refuse(
        "start_outside",
        PENDING,
        "command:start",
        "outside_period",
        "sla.outside_period",
        "Before the agreement's start tick or after its end tick.",
    ),
    _row(
        "start",
        PENDING,
        "command:start",
        None,
        None,
        OBSERVED,
        note="The service instance starts; A&C observes it from now on.",
    ),
    *_running(PENDING, "pending_"),
    # -- the running service reports (provider, interface J) --
    _wrong_side(
        "report_consumer",
        OBSERVED,
        "command:usage",
        "at_consumer",
        "Only the provider's instance reports usage.",
    ),
    refuse(
        "report_over",
        OBSERVED,
        "command:usage",
        "report_over_units",
        "sla.over_units",
        "A report that takes the units used beyond the agreement's units.",
    ),
    _row(
        "report_breach",
        OBSERVED,
        "command:usage",
        "report_breaches",
        "report_violated",
        IDLE,
        ("usage",),
        note="Send the report; it completes a guarantee's window out of bound: Service "
        "Management stops the instance (K, I) and the agreement closes as violated.",
    ),
    _row(
        "report",
        OBSERVED,
        "command:usage",
        None,
        "report",
        OBSERVED,
        ("usage",),
        note="A&C records the report and its charge and sends it to the consumer.",
    ),
    _wrong_side(
        "finish_consumer",
        OBSERVED,
        "command:finish",
        "at_consumer",
        "Only the provider's instance finishes the service.",
    ),
    _row(
        "finish",
        OBSERVED,
        "command:finish",
        None,
        "finish",
        IDLE,
        ("inform_done",),
        note="The instance is done: tell the consumer what is charged, close as completed.",
    ),
    *_running(OBSERVED, "observed_"),
    # -- the agreement's period ends (its end timer, at end + 1) --
    _row(
        "pending_end",
        PENDING,
        "timer:end",
        None,
        "close_undelivered",
        IDLE,
        note="The period is over and the service never started: violated, nothing charged.",
    ),
    _row(
        "observed_end_undelivered",
        OBSERVED,
        "timer:end",
        "no_reports",
        "close_undelivered",
        IDLE,
        note="The period is over and the service started but reported nothing: violated.",
    ),
    _row(
        "observed_end",
        OBSERVED,
        "timer:end",
        None,
        "close_at_end",
        IDLE,
        note="The period is over with usage reported but no inform_done: completed as charged.",
    ),
    # -- inputs for an agreement this node does not hold --
    *_gone("report_gone", "command:usage", "A usage report"),
    *_gone("usage_gone", "message:usage", "A usage report"),
)
"""Rows of ``sla.agreement`` from ``pending`` on, and for agreements not held, in table order."""
