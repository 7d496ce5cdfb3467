"""The SLA node's machines: ``sla.node`` and ``sla.agreement``.

``sla.node`` has one state for the whole node and keeps the services it offers.
``sla.agreement`` runs once per negotiation, named by its id (the ``neg`` field of
every message and of every command but ``negotiate``, whose id is this node's id and
the command's nonce; the hex suffix of a ``deadline`` or ``end`` timer). Each negotiation has its
own control state, ``idle`` until it opens; back in ``idle`` it is forgotten.
The consumer's states are ``calling``, ``proposed``, ``refused`` and ``accepting``,
the provider's ``answered``; both end in ``pending``, an agreement whose service has
not started (the WS-Agreement name). Rows with the same state and trigger are tried
in table order (normative); a row with ``refuses`` rejects the input with its code,
so the checks of every input run in the order written here.
"""

from typing import Final

from spec.v1.machine import MachineTable
from spec.v1.machine import row as _row
from spec.v1.sla.index_rows import SEARCH_ROWS
from spec.v1.sla.life import LIFE_ROWS
from spec.v1.sla.rows import (
    ACCEPTING,
    ANSWERED,
    CALLING,
    IDLE,
    OBSERVED,
    PENDING,
    PROPOSED,
    REFUSED,
    RUNNING,
    expire,
    late,
    refuse,
    stranger,
)
from spec.v1.sla.settlement import SETTLE_ROWS

NODE_TABLE: Final = MachineTable(
    name="sla.node",
    states=(RUNNING,),
    initial=RUNNING,
    transitions=(
        refuse(
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
        refuse(
            "price_full",
            RUNNING,
            "command:market_price",
            "prices_full",
            "sla.too_many",
            "A price for a new service beyond the 64 a node keeps prices of.",
        ),
        _row(
            "price",
            RUNNING,
            "command:market_price",
            None,
            "set_price",
            RUNNING,
            note="Interface L: keep the service's latest auction price, for market pricing.",
        ),
        refuse(
            "access_full",
            RUNNING,
            "command:access",
            "rules_full",
            "sla.too_many",
            "A rule for a new peer beyond the 256 a node keeps.",
        ),
        _row(
            "access",
            RUNNING,
            "command:access",
            None,
            "set_rule",
            RUNNING,
            note="Interface C: set the peer's allow or deny rule, or remove it (default).",
        ),
        *SEARCH_ROWS,
    ),
)
"""The node-wide machine: the services this node provides, their prices, its access rules,
its view of the leaf set, the index it keeps and its searches."""

AGREEMENT_TABLE: Final = MachineTable(
    name="sla.agreement",
    states=(IDLE, CALLING, PROPOSED, REFUSED, ACCEPTING, ANSWERED, PENDING, OBSERVED),
    initial=IDLE,
    transitions=(
        # -- the consumer opens a negotiation --
        refuse(
            "negotiate_self",
            IDLE,
            "command:negotiate",
            "provider_is_self",
            "sla.not_party",
            "A node does not negotiate with itself.",
        ),
        refuse(
            "negotiate_deadline",
            IDLE,
            "command:negotiate",
            "deadline_out_of_range",
            "sla.bad_deadline",
            "The deadline is before now or more than max_deadline ticks after it.",
        ),
        refuse(
            "negotiate_full",
            IDLE,
            "command:negotiate",
            "node_full",
            "sla.too_many",
            "The node already holds max_open negotiations and agreements.",
        ),
        refuse(
            "negotiate_denied",
            IDLE,
            "command:negotiate",
            "provider_denied",
            "sla.denied",
            "Security (C) does not admit the provider: a deny rule, or no allow rule and a "
            "standing below min_standing.",
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
        stranger("propose_stranger", CALLING, "message:propose"),
        late("propose_late", CALLING, "message:propose"),
        refuse(
            "propose_round",
            CALLING,
            "message:propose",
            "not_this_round",
            "sla.bad_round",
            "A proposal for another round than the current one.",
        ),
        refuse(
            "propose_forged",
            CALLING,
            "message:propose",
            "terms_not_by_provider",
            "sla.wrong_signer",
            "The terms frame is signed by another key than the provider it names, or names "
            "another provider than the negotiation's.",
        ),
        refuse(
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
        stranger("refuse_stranger", CALLING, "message:refuse"),
        late("refuse_late", CALLING, "message:refuse"),
        refuse(
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
        late("accept_late", PROPOSED, "command:accept"),
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
        late("reject_late", PROPOSED, "command:reject"),
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
        late("counter_late", PROPOSED, "command:counter"),
        refuse(
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
        late("refused_counter_late", REFUSED, "command:counter"),
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
        late("refused_reject_late", REFUSED, "command:reject"),
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
        stranger("agreement_stranger", ACCEPTING, "message:agreement"),
        late("agreement_late", ACCEPTING, "message:agreement"),
        refuse(
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
            "is cancelled. A barter's reciprocal leg is held from now, pending, with this "
            "node its provider.",
        ),
        expire("calling_expired", CALLING),
        expire("proposed_expired", PROPOSED),
        expire("refused_expired", REFUSED),
        expire("accepting_expired", ACCEPTING),
        # -- the provider answers a consumer's first cfp --
        refuse(
            "cfp_stranger",
            IDLE,
            "message:cfp",
            "not_from_initiator",
            "sla.not_party",
            "The negotiation id does not begin with the sender's node id.",
        ),
        refuse(
            "cfp_round",
            IDLE,
            "message:cfp",
            "not_first_round",
            "sla.bad_round",
            "A new negotiation's cfp is not round 1.",
        ),
        refuse(
            "cfp_deadline",
            IDLE,
            "message:cfp",
            "deadline_out_of_range",
            "sla.bad_deadline",
            "The deadline is before now or more than max_deadline ticks after it.",
        ),
        refuse(
            "cfp_full",
            IDLE,
            "message:cfp",
            "node_full",
            "sla.too_many",
            "The node already holds max_open negotiations and agreements.",
        ),
        refuse(
            "cfp_denied",
            IDLE,
            "message:cfp",
            "consumer_denied",
            "sla.denied",
            "Security (C) does not admit the consumer: a deny rule, or no allow rule and a "
            "standing below min_standing.",
        ),
        _row(
            "answer",
            IDLE,
            "message:cfp",
            "meets_requirements",
            "propose",
            ANSWERED,
            ("propose",),
            note="The offered service meets the requirements: sign terms at the consumer's "
            "price (Pricing) and propose them; the deadline timer is due at deadline + 1.",
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
        stranger("counter_stranger", ANSWERED, "message:cfp"),
        late("counter_cfp_late", ANSWERED, "message:cfp"),
        refuse(
            "counter_round_limit",
            ANSWERED,
            "message:cfp",
            "beyond_round_limit",
            "sla.round_limit",
            "A cfp whose round exceeds max_rounds.",
        ),
        refuse(
            "counter_round",
            ANSWERED,
            "message:cfp",
            "not_next_round",
            "sla.bad_round",
            "A counter-offer's round is not the current round + 1.",
        ),
        refuse(
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
        stranger("accept_stranger", ANSWERED, "message:accept_proposal"),
        late("accept_proposal_late", ANSWERED, "message:accept_proposal"),
        refuse(
            "accept_forged",
            ANSWERED,
            "message:accept_proposal",
            "acceptance_not_by_consumer",
            "sla.wrong_signer",
            "The acceptance frame is signed by another key than the consumer it names, or "
            "names another consumer than the negotiation's.",
        ),
        refuse(
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
            note="Send the SLA, both frames; the deadline timer is cancelled. A barter's "
            "reciprocal leg is held from now, pending, with this node its consumer.",
        ),
        stranger("rejected_stranger", ANSWERED, "message:reject_proposal"),
        late("rejected_late", ANSWERED, "message:reject_proposal"),
        refuse(
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
        expire("answered_expired", ANSWERED),
        *LIFE_ROWS,
        *SETTLE_ROWS,
    ),
)
"""One negotiation, from the consumer's first cfp to an agreement (or to nothing)."""

TABLES: Final = (NODE_TABLE, AGREEMENT_TABLE)
"""Both machines, node-wide first."""
