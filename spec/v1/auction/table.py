"""The auction node's machines: ``auction.node`` and ``auction.service``.

``auction.node`` has one state for the whole node: it keeps the node's view of
its leaf set from ``update`` upcalls, lets routed payloads pass, and reports
itself to the trader of a fallback locate that passes through. Every
other input concerns one service, named by the input (the ``service`` field
of a message or of a command's arguments, the service of a delivered
``locate``, the hex suffix of a timer), and ``auction.service`` runs once per
service: each service has its own control state, ``unknown`` until the node
trades or brokers it. Rows with the same state and trigger are tried in
table order (normative); a row with ``refuses`` rejects the input with its
code.
"""

from typing import Final

from spec.v1.machine import MachineTable, Transition
from spec.v1.machine import row as _row

RUNNING: Final = "running"

UNKNOWN: Final = "unknown"
LOCATING: Final = "locating"
RETRYING: Final = "retrying"
TAKING_OVER: Final = "taking_over"
TRADING: Final = "trading"
BROKERING: Final = "brokering"


def _refuse(id_: str, trigger: str, guard: str, code: str, note: str) -> Transition:
    return _row(id_, BROKERING, trigger, guard, None, BROKERING, note=note, refuses=code)


NODE_TABLE: Final = MachineTable(
    name="auction.node",
    states=(RUNNING,),
    initial=RUNNING,
    transitions=(
        _row(
            "view_join",
            RUNNING,
            "upcall:update",
            "joins_view",
            "add_member",
            RUNNING,
            note="A node joined the leaf set: it enters the view (at most 16 members).",
        ),
        _row(
            "view_leave",
            RUNNING,
            "upcall:update",
            "leaves_view",
            "drop_member",
            RUNNING,
            note="A member left the leaf set: it leaves the view.",
        ),
        _row(
            "pass",
            RUNNING,
            "upcall:forward",
            "plain_payload",
            None,
            RUNNING,
            note="A routed payload that is not a fallback locate (read unverified) passes "
            "through unchanged, unopened.",
        ),
        _row(
            "report_hop",
            RUNNING,
            "upcall:forward",
            "fallback_locate",
            "report_hop",
            RUNNING,
            ("path_hop",),
            note="A verified fallback locate for the key passes through: tell its trader "
            "which node it goes to next.",
        ),
    ),
)
"""The node-wide machine: the view of the leaf set, and routed payloads passing by."""

SERVICE_TABLE: Final = MachineTable(
    name="auction.service",
    states=(UNKNOWN, LOCATING, RETRYING, TAKING_OVER, TRADING, BROKERING),
    initial=UNKNOWN,
    transitions=(
        # -- a trader finds the broker set --
        _row(
            "locate",
            UNKNOWN,
            "command:locate",
            "room_for_service",
            "start_locate",
            LOCATING,
            ("locate",),
            note="Route a signed locate to the service id; wait locate_timeout for the answer.",
        ),
        _row(
            "located",
            LOCATING,
            "message:broker_set",
            "answers_locate",
            "learn_brokers",
            TRADING,
            note="The root's broker set, echoing the locate's nonce: trading may start.",
        ),
        _row(
            "retry",
            LOCATING,
            "timer:locate",
            None,
            "retry_locate",
            RETRYING,
            ("locate",),
            note="No answer: route the locate again, same nonce, as a fallback locate whose "
            "path reports itself; wait locate_timeout again.",
        ),
        # -- the root fallback, at the trader --
        _row(
            "path_hop",
            RETRYING,
            "message:path_hop",
            "hop_expected",
            "record_hop",
            RETRYING,
            note="A node of the path names its next hop: recorded once per node, at most "
            "MAX_PATH, for the fallback locate's nonce.",
        ),
        _row(
            "located_on_retry",
            RETRYING,
            "message:broker_set",
            "answers_locate",
            "learn_brokers",
            TRADING,
            note="The root answers the fallback locate: trading may start.",
        ),
        _row(
            "ask_takeover",
            RETRYING,
            "timer:locate",
            "hops_recorded",
            "ask_takeover",
            TAKING_OVER,
            ("takeover",),
            note="Still no answer: ask the recorded hop closest to the service to act as "
            "root, naming the node it forwarded to as failed; wait locate_timeout again.",
        ),
        _row(
            "retry_timeout",
            RETRYING,
            "timer:locate",
            None,
            "give_up",
            UNKNOWN,
            note="No answer and no hop reported: the trader forgets the service.",
        ),
        _row(
            "located_by_takeover",
            TAKING_OVER,
            "message:broker_set",
            "answers_locate",
            "learn_brokers",
            TRADING,
            note="The acting root (or any member of the set it lists) answers: trading may start.",
        ),
        _row(
            "takeover_timeout",
            TAKING_OVER,
            "timer:locate",
            None,
            "give_up",
            UNKNOWN,
            note="Nobody took over: the trader forgets the service (its application may "
            "locate again).",
        ),
        # -- a trader trades --
        _row(
            "ask_price",
            TRADING,
            "command:price",
            None,
            "request_price",
            TRADING,
            ("price_request",),
            note="Ask the f brokers picked by the request's nonce for the bid and ask prices.",
        ),
        _row(
            "quote",
            TRADING,
            "message:price_reply",
            "quote_expected",
            "record_quote",
            TRADING,
            note="A reply from a broker asked, echoing the latest request's nonce.",
        ),
        _row(
            "make_offer",
            TRADING,
            "command:offer",
            "offer_allowed",
            "send_offer",
            TRADING,
            ("offer",),
            note="Sign the next offer and send it to the f brokers its number picks.",
        ),
        _row(
            "matched",
            TRADING,
            "message:match",
            "notice_expected",
            "record_notice",
            TRADING,
            note="A broker the offer went to reports a match; a majority of them settles it.",
        ),
        # -- a broker set forms --
        _row(
            "open",
            UNKNOWN,
            "upcall:deliver",
            "locate_for_key",
            "open_service",
            BROKERING,
            ("broker_set", "service_notice"),
            note="This node is the root of a service traded for the first time: slot 0 starts "
            "now; tell the trader and every other broker.",
        ),
        _row(
            "answer_locate",
            BROKERING,
            "upcall:deliver",
            "locate_for_key",
            "answer_locate",
            BROKERING,
            ("broker_set",),
            note="The root of a service already traded answers with the broker set.",
        ),
        _row(
            "take_over",
            UNKNOWN,
            "message:takeover",
            "acting_root",
            "take_over",
            BROKERING,
            ("broker_set", "service_notice"),
            note="A trader's root failed and this node, in the service's broker set, stands "
            "in: it opens the service as a root would, telling every broker but the failed "
            "node.",
        ),
        _row(
            "answer_takeover",
            BROKERING,
            "message:takeover",
            None,
            "answer_takeover",
            BROKERING,
            ("broker_set",),
            note="A node that brokers the service already answers a takeover request with "
            "the broker set.",
        ),
        _row(
            "noticed",
            UNKNOWN,
            "message:service_notice",
            "named_broker",
            "join_service",
            BROKERING,
            note="The root names this node a broker: it follows the service's slots.",
        ),
        # -- a broker answers traders --
        _row(
            "answer_price",
            BROKERING,
            "message:price_request",
            None,
            "answer_price",
            BROKERING,
            ("price_reply",),
            note="The highest bid and lowest ask the broker holds.",
        ),
        _refuse(
            "offer_not_trader",
            "message:offer",
            "offer_impersonates",
            "auction.not_trader",
            "The offer names another trader than its signer.",
        ),
        _refuse(
            "offer_too_long",
            "message:offer",
            "offer_too_long",
            "auction.validity_too_long",
            "valid_until is more than max_validity after now.",
        ),
        _refuse(
            "offer_expired",
            "message:offer",
            "offer_expired",
            "auction.expired",
            "valid_until is before now.",
        ),
        _refuse(
            "offer_stale",
            "message:offer",
            "offer_stale",
            "auction.stale_offer",
            "The trader's newest offer number here is not below this one.",
        ),
        _refuse(
            "offer_pending_full",
            "message:offer",
            "pending_full",
            "auction.pending_full",
            "m traders already have a pending offer here, and this trader has none.",
        ),
        _row(
            "accept_offer",
            BROKERING,
            "message:offer",
            None,
            "accept_offer",
            BROKERING,
            note="Keep it as the trader's pending offer (replacing its older one); it is "
            "forwarded when the next even slot ends.",
        ),
        # -- slots --
        _row(
            "end_even",
            BROKERING,
            "timer:slot",
            "slot_is_even",
            "forward_candidates",
            BROKERING,
            ("candidates",),
            note="An even slot ends: the pending offers become this round's candidates, sent "
            "to every other broker.",
        ),
        _row(
            "end_odd",
            BROKERING,
            "timer:slot",
            None,
            "match_round",
            BROKERING,
            ("match",),
            note="An odd slot ends: the round's candidates join the book, the global match "
            "runs, and each matched offer's trader is told by the brokers it sent it to.",
        ),
        _refuse(
            "candidates_outsider",
            "message:candidates",
            "sender_outside",
            "auction.outsider",
            "The sender is not in the broker set.",
        ),
        _refuse(
            "candidates_wrong_slot",
            "message:candidates",
            "candidates_off_slot",
            "auction.wrong_slot",
            "Not the even slot just ended (odd slot) or the current one (even slot: held).",
        ),
        _row(
            "take_candidates",
            BROKERING,
            "message:candidates",
            "candidates_sound",
            "take_candidates",
            BROKERING,
            note="Every candidate verified: they join the round (early ones are held in it).",
        ),
    ),
)
"""One service at one node: a trader locates its brokers (falling back on the locate's path
when the root does not answer) and trades; a broker follows the service's slots, collects
offers, forwards candidates and matches."""

TABLES: Final = (NODE_TABLE, SERVICE_TABLE)
"""The auction's machines, node-wide first."""
