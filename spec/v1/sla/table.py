"""The SLA node's machines: ``sla.node`` and ``sla.agreement``.

``sla.node`` has one state for the whole node and keeps the services it offers.
``sla.agreement`` runs once per negotiation, named by its id (the ``neg`` field of
every message and of every command but ``negotiate``, whose id is this node's id and
the command's nonce; the hex suffix of a ``deadline`` timer). Each negotiation has its
own control state, ``idle`` until it opens; back in ``idle`` it is forgotten.
The consumer's states are ``calling``, ``proposed``, ``refused`` and ``accepting``,
the provider's ``answered``; both end in ``pending``, an agreement whose service has
not started (the WS-Agreement name). Rows with the same state and trigger are tried
in table order (normative); a row with ``refuses`` rejects the input with its code,
so the checks of every input run in the order written here.
"""

from typing import Final

from spec.v1.machine import MachineTable, Transition
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


def _refuse(
    id_: str, state: str, trigger: str, guard: str | None, code: str, note: str
) -> Transition:
    return _row(id_, state, trigger, guard, None, state, note=note, refuses=code)


def _stranger(id_: str, state: str, trigger: str) -> Transition:
    return _refuse(
        id_,
        state,
        trigger,
        "not_from_peer",
        "sla.not_party",
        "Sent by a node that is not the negotiation's other party.",
    )


def _late(id_: str, state: str, trigger: str) -> Transition:
    return _refuse(
        id_,
        state,
        trigger,
        "past_deadline",
        "sla.deadline_passed",
        "After the negotiation's deadline (now > deadline), before its timer has fired.",
    )


def _expire(id_: str, state: str) -> Transition:
    return _row(
        id_,
        state,
        "timer:deadline",
        None,
        "forget",
        IDLE,
        note="The deadline passed without an agreement: the negotiation is forgotten.",
    )


def _wrong_side(id_: str, state: str, trigger: str, guard: str, note: str) -> Transition:
    return _refuse(id_, state, trigger, guard, "sla.not_party", note)


def _running(state: str, prefix: str) -> tuple[Transition, ...]:
    """The rows an agreement has both before its service starts and while it runs."""
    return (
        _stranger(f"{prefix}usage_stranger", state, "message:usage"),
        _wrong_side(
            f"{prefix}usage_to_provider",
            state,
            "message:usage",
            "at_provider",
            "Usage reports go from the provider to the consumer, never back.",
        ),
        _refuse(
            f"{prefix}usage_seq",
            state,
            "message:usage",
            "not_next_report",
            "sla.bad_seq",
            "A report whose seq is not the number of reports so far + 1.",
        ),
        _refuse(
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
        _stranger(f"{prefix}done_stranger", state, "message:inform_done"),
        _wrong_side(
            f"{prefix}done_to_provider",
            state,
            "message:inform_done",
            "at_provider",
            "Only the provider informs its consumer that the service is done.",
        ),
        _refuse(
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
        _stranger(f"{prefix}terminated_stranger", state, "message:terminate"),
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
        _refuse(
            f"{id_}_closed",
            IDLE,
            trigger,
            "closed_agreement",
            "sla.agreement_closed",
            f"{what} for an agreement that has closed (its record is kept).",
        ),
        _refuse(
            f"{id_}_unknown",
            IDLE,
            trigger,
            None,
            "sla.unknown_agreement",
            f"{what} for an agreement this node never held (or no longer remembers).",
        ),
    )


NODE_TABLE: Final = MachineTable(
    name="sla.node",
    states=(RUNNING,),
    initial=RUNNING,
    transitions=(
        _refuse(
            "offer_full",
            RUNNING,
            "command:offer_service",
            "services_full",
            "sla.too_many",
            "A new service beyond the 64 a node may offer.",
        ),
        _row(
            "offer",
            RUNNING,
            "command:offer_service",
            None,
            "register",
            RUNNING,
            note="Interface A: keep the service's offer, replacing an earlier one of it.",
        ),
    ),
)
"""The node-wide machine: the services this node provides."""

AGREEMENT_TABLE: Final = MachineTable(
    name="sla.agreement",
    states=(IDLE, CALLING, PROPOSED, REFUSED, ACCEPTING, ANSWERED, PENDING, OBSERVED),
    initial=IDLE,
    transitions=(
        # -- the consumer opens a negotiation --
        _refuse(
            "negotiate_self",
            IDLE,
            "command:negotiate",
            "provider_is_self",
            "sla.not_party",
            "A node does not negotiate with itself.",
        ),
        _refuse(
            "negotiate_deadline",
            IDLE,
            "command:negotiate",
            "deadline_out_of_range",
            "sla.bad_deadline",
            "The deadline is before now or more than max_deadline ticks after it.",
        ),
        _refuse(
            "negotiate_full",
            IDLE,
            "command:negotiate",
            "node_full",
            "sla.too_many",
            "The node already holds max_open negotiations and agreements.",
        ),
        _row(
            "negotiate",
            IDLE,
            "command:negotiate",
            None,
            "call",
            CALLING,
            ("cfp",),
            note="Send the round 1 cfp; the deadline timer is due at deadline + 1.",
        ),
        # -- the consumer hears the provider's answer --
        _stranger("propose_stranger", CALLING, "message:propose"),
        _late("propose_late", CALLING, "message:propose"),
        _refuse(
            "propose_round",
            CALLING,
            "message:propose",
            "not_this_round",
            "sla.bad_round",
            "A proposal for another round than the current one.",
        ),
        _refuse(
            "propose_forged",
            CALLING,
            "message:propose",
            "terms_not_by_provider",
            "sla.wrong_signer",
            "The terms frame is signed by another key than the provider it names, or names "
            "another provider than the negotiation's.",
        ),
        _refuse(
            "propose_altered",
            CALLING,
            "message:propose",
            "terms_not_asked",
            "sla.altered_sla",
            "The terms are not the round's requirements (another negotiation, round, consumer, "
            "service, units, guarantees or period, or a unit price above max_price).",
        ),
        _row(
            "proposed",
            CALLING,
            "message:propose",
            None,
            "take_offer",
            PROPOSED,
            note="A binding offer that meets the requirements: the application may accept it, "
            "counter it or reject it.",
        ),
        _stranger("refuse_stranger", CALLING, "message:refuse"),
        _late("refuse_late", CALLING, "message:refuse"),
        _refuse(
            "refuse_round",
            CALLING,
            "message:refuse",
            "not_this_round",
            "sla.bad_round",
            "A refusal of another round than the current one.",
        ),
        _row(
            "refused",
            CALLING,
            "message:refuse",
            "rounds_left",
            "take_refusal",
            REFUSED,
            note="Refused before the last round: the application may counter or reject.",
        ),
        _row(
            "refused_last",
            CALLING,
            "message:refuse",
            None,
            "close",
            IDLE,
            note="Refused in the last round: the negotiation ends and is forgotten.",
        ),
        # -- the consumer's application decides --
        _late("accept_late", PROPOSED, "command:accept"),
        _row(
            "accept",
            PROPOSED,
            "command:accept",
            None,
            "accept",
            ACCEPTING,
            ("accept_proposal",),
            note="Sign an acceptance of the offer's digest and send it.",
        ),
        _late("reject_late", PROPOSED, "command:reject"),
        _row(
            "reject",
            PROPOSED,
            "command:reject",
            None,
            "reject",
            IDLE,
            ("reject_proposal",),
            note="Tell the provider the negotiation ends; forget it.",
        ),
        _late("counter_late", PROPOSED, "command:counter"),
        _refuse(
            "counter_limit",
            PROPOSED,
            "command:counter",
            "no_rounds_left",
            "sla.round_limit",
            "The current round is the last (max_rounds): no counter-offer.",
        ),
        _row(
            "counter",
            PROPOSED,
            "command:counter",
            None,
            "counter",
            CALLING,
            ("cfp",),
            note="Send the next round's cfp; it sets the current offer aside.",
        ),
        _late("refused_counter_late", REFUSED, "command:counter"),
        _row(
            "refused_counter",
            REFUSED,
            "command:counter",
            None,
            "counter",
            CALLING,
            ("cfp",),
            note="Send the next round's cfp.",
        ),
        _late("refused_reject_late", REFUSED, "command:reject"),
        _row(
            "refused_reject",
            REFUSED,
            "command:reject",
            None,
            "reject",
            IDLE,
            ("reject_proposal",),
            note="Tell the provider the negotiation ends; forget it.",
        ),
        # -- the consumer hears the SLA --
        _stranger("agreement_stranger", ACCEPTING, "message:agreement"),
        _late("agreement_late", ACCEPTING, "message:agreement"),
        _refuse(
            "agreement_altered",
            ACCEPTING,
            "message:agreement",
            "not_as_accepted",
            "sla.altered_sla",
            "The SLA's frames are not byte for byte the offer accepted and the acceptance sent.",
        ),
        _row(
            "agreed",
            ACCEPTING,
            "message:agreement",
            None,
            "conclude",
            PENDING,
            note="The provider confirms: the SLA holds both signatures; the deadline timer "
            "is cancelled.",
        ),
        _expire("calling_expired", CALLING),
        _expire("proposed_expired", PROPOSED),
        _expire("refused_expired", REFUSED),
        _expire("accepting_expired", ACCEPTING),
        # -- the provider answers a consumer's first cfp --
        _refuse(
            "cfp_stranger",
            IDLE,
            "message:cfp",
            "not_from_initiator",
            "sla.not_party",
            "The negotiation id does not begin with the sender's node id.",
        ),
        _refuse(
            "cfp_round",
            IDLE,
            "message:cfp",
            "not_first_round",
            "sla.bad_round",
            "A new negotiation's cfp is not round 1.",
        ),
        _refuse(
            "cfp_deadline",
            IDLE,
            "message:cfp",
            "deadline_out_of_range",
            "sla.bad_deadline",
            "The deadline is before now or more than max_deadline ticks after it.",
        ),
        _refuse(
            "cfp_full",
            IDLE,
            "message:cfp",
            "node_full",
            "sla.too_many",
            "The node already holds max_open negotiations and agreements.",
        ),
        _row(
            "answer",
            IDLE,
            "message:cfp",
            "meets_requirements",
            "propose",
            ANSWERED,
            ("propose",),
            note="The offered service meets the requirements: sign terms at the service's "
            "unit price and propose them; the deadline timer is due at deadline + 1.",
        ),
        _row(
            "decline",
            IDLE,
            "message:cfp",
            "rounds_left",
            "decline",
            ANSWERED,
            ("refuse",),
            note="The requirements cannot be met, before the last round: refuse with the "
            "first failed check and wait for a counter-offer.",
        ),
        _row(
            "decline_last",
            IDLE,
            "message:cfp",
            None,
            "decline_last",
            IDLE,
            ("refuse",),
            note="The requirements cannot be met in the last round (max_rounds = 1): refuse; "
            "nothing is kept.",
        ),
        # -- the provider answers a counter-offer --
        _stranger("counter_stranger", ANSWERED, "message:cfp"),
        _late("counter_cfp_late", ANSWERED, "message:cfp"),
        _refuse(
            "counter_round_limit",
            ANSWERED,
            "message:cfp",
            "beyond_round_limit",
            "sla.round_limit",
            "A cfp whose round exceeds max_rounds.",
        ),
        _refuse(
            "counter_round",
            ANSWERED,
            "message:cfp",
            "not_next_round",
            "sla.bad_round",
            "A counter-offer's round is not the current round + 1.",
        ),
        _refuse(
            "counter_deadline",
            ANSWERED,
            "message:cfp",
            "deadline_changed",
            "sla.bad_deadline",
            "A counter-offer carries another deadline than the first cfp's.",
        ),
        _row(
            "answer_counter",
            ANSWERED,
            "message:cfp",
            "meets_requirements",
            "propose",
            ANSWERED,
            ("propose",),
            note="The counter-offer can be met: propose new terms; the earlier offer is void.",
        ),
        _row(
            "decline_counter",
            ANSWERED,
            "message:cfp",
            "rounds_left",
            "decline",
            ANSWERED,
            ("refuse",),
            note="The counter-offer cannot be met, before the last round: refuse; the earlier "
            "offer is void.",
        ),
        _row(
            "decline_counter_last",
            ANSWERED,
            "message:cfp",
            None,
            "decline_last",
            IDLE,
            ("refuse",),
            note="The last round cannot be met: refuse and forget the negotiation.",
        ),
        # -- the provider hears the consumer's decision --
        _stranger("accept_stranger", ANSWERED, "message:accept_proposal"),
        _late("accept_proposal_late", ANSWERED, "message:accept_proposal"),
        _refuse(
            "accept_forged",
            ANSWERED,
            "message:accept_proposal",
            "acceptance_not_by_consumer",
            "sla.wrong_signer",
            "The acceptance frame is signed by another key than the consumer it names, or "
            "names another consumer than the negotiation's.",
        ),
        _refuse(
            "accept_unknown",
            ANSWERED,
            "message:accept_proposal",
            "not_current_offer",
            "sla.unknown_offer",
            "The acceptance names an offer the provider did not make or no longer stands by "
            "(none after a refusal, or an earlier round's), or another negotiation.",
        ),
        _row(
            "accepted",
            ANSWERED,
            "message:accept_proposal",
            None,
            "agree",
            PENDING,
            ("agreement",),
            note="Send the SLA, both frames; the deadline timer is cancelled.",
        ),
        _stranger("rejected_stranger", ANSWERED, "message:reject_proposal"),
        _late("rejected_late", ANSWERED, "message:reject_proposal"),
        _refuse(
            "rejected_round",
            ANSWERED,
            "message:reject_proposal",
            "not_this_round",
            "sla.bad_round",
            "A rejection of another round than the current one.",
        ),
        _row(
            "rejected",
            ANSWERED,
            "message:reject_proposal",
            None,
            "close",
            IDLE,
            note="The consumer ends the negotiation: forget it.",
        ),
        _expire("answered_expired", ANSWERED),
        # -- the agreement's service starts (provider, interfaces H and I) --
        _wrong_side(
            "start_consumer",
            PENDING,
            "command:start",
            "at_consumer",
            "Only the provider starts the service.",
        ),
        _refuse(
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
        _refuse(
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
        # -- inputs for an agreement this node does not hold --
        *_gone("report_gone", "command:usage", "A usage report"),
        *_gone("usage_gone", "message:usage", "A usage report"),
    ),
)
"""One negotiation, from the consumer's first cfp to an agreement (or to nothing)."""

TABLES: Final = (NODE_TABLE, AGREEMENT_TABLE)
"""Both machines, node-wide first."""
