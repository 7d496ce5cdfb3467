"""The checks every negotiation input shares, at either party: who sent it, whether the
deadline has passed, which round it is for, and whether the node has room for another."""

from reference.effects import CancelTimer
from reference.sla.context import held, on, timer_name
from reference.sla.data import SlaData
from spec.v1.sla.constants import MAX_SERVICES


def _round_of(body: object) -> int:
    value = getattr(body, "round", None)
    assert isinstance(value, int)
    return value


def not_from_peer(data: SlaData, payload: object) -> bool:
    event = on(payload)
    return event.sender != held(data, event).peer


def past_deadline(data: SlaData, payload: object) -> bool:
    event = on(payload)
    return event.now > held(data, event).deadline


def not_this_round(data: SlaData, payload: object) -> bool:
    event = on(payload)
    return _round_of(event.body) != held(data, event).round


def rounds_left(data: SlaData, payload: object) -> bool:
    """The message's round (the current one, checked before) is not the last."""
    return _round_of(on(payload).body) < data.params.max_rounds


def node_full(data: SlaData, payload: object) -> bool:
    return len(data.controls) >= data.params.max_open


def deadline_out_of_range(data: SlaData, payload: object) -> bool:
    """A new negotiation's deadline (a command's or a cfp's) is not in [now, now + max]."""
    event = on(payload)
    source = event.stim.body if event.stim.body is not None else event.args
    deadline = getattr(source, "deadline", None)
    assert isinstance(deadline, int)
    return not event.now <= deadline <= event.now + data.params.max_deadline


def services_full(data: SlaData, payload: object) -> bool:
    """A service not yet offered, when 64 already are."""
    args = on(payload).args
    service = getattr(args, "service", None)
    return service not in data.services and len(data.services) >= MAX_SERVICES


def close(data: SlaData, payload: object) -> tuple[SlaData, tuple[CancelTimer]]:
    """The negotiation ends here: its deadline timer stops (the row goes to ``idle``)."""
    return data, (CancelTimer(timer_name(on(payload).neg)),)


def forget(data: SlaData, payload: object) -> tuple[SlaData, tuple[()]]:
    """The deadline timer fired: nothing to do but forget (the row goes to ``idle``)."""
    return data, ()
