"""The rows of ``sla.node`` for search (``sla.md``, "Descriptions and search"): the view of
the leaf set from ``update`` upcalls, publishing (interface B), a key's root indexing a
routed description and copying it to its replicas, answering a routed query, and the
consumer's searches (remote interface 1)."""

from typing import Final

from spec.v1.machine import Transition
from spec.v1.machine import row as _row
from spec.v1.sla.rows import RUNNING, refuse


def _kept(prefix: str, trigger: str, where: str) -> tuple[Transition, ...]:
    """The refusals a description meets wherever an index is asked to keep it."""
    return (
        refuse(
            f"{prefix}_forged",
            RUNNING,
            trigger,
            "description_forged",
            "sla.bad_description",
            f"The {where} description is not signed by the provider it names.",
        ),
        refuse(
            f"{prefix}_stale",
            RUNNING,
            trigger,
            "description_stale",
            "sla.stale_description",
            "Past its valid_until, or no newer than the version kept of its service.",
        ),
        refuse(
            f"{prefix}_full",
            RUNNING,
            trigger,
            "index_full",
            "sla.too_many",
            "A new service's description when the index keeps 256 unexpired ones.",
        ),
    )


SEARCH_ROWS: Final[tuple[Transition, ...]] = (
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
        None,
        None,
        RUNNING,
        note="A routed description or query passes through on its way to the key's root.",
    ),
    refuse(
        "publish_unoffered",
        RUNNING,
        "command:publish",
        "not_offered",
        "sla.not_offered",
        "A description of a service this node does not offer.",
    ),
    _row(
        "publish",
        RUNNING,
        "command:publish",
        None,
        "publish",
        RUNNING,
        ("description",),
        note="Interface B: sign the description (the offer's terms and the command's) and "
        "route it to its type's index key.",
    ),
    refuse(
        "deliver_misrouted",
        RUNNING,
        "upcall:deliver",
        "not_its_index",
        "sla.wrong_index",
        "A description or query delivered under another key than its type's index key.",
    ),
    *_kept("deliver", "upcall:deliver", "routed"),
    _row(
        "index",
        RUNNING,
        "upcall:deliver",
        "delivered_description",
        "index",
        RUNNING,
        ("store",),
        note="This node is the key's root: keep the description and copy it to the "
        "replicas, the view's members nearest the key.",
    ),
    _row(
        "answer",
        RUNNING,
        "upcall:deliver",
        None,
        "answer",
        RUNNING,
        ("results",),
        note="A query at the key's root: answer its signer with the kept descriptions that "
        "match, best first.",
    ),
    *_kept("store", "message:store", "stored"),
    _row(
        "store",
        RUNNING,
        "message:store",
        None,
        "keep",
        RUNNING,
        note="A root's copy: keep it as a replica (it is not copied on).",
    ),
    refuse(
        "search_full",
        RUNNING,
        "command:search",
        "searches_full",
        "sla.too_many",
        "A search when 16 are open.",
    ),
    _row(
        "search",
        RUNNING,
        "command:search",
        None,
        "search",
        RUNNING,
        ("query",),
        note="Remote interface 1: route a signed query, numbered, to the type's index key; "
        "its timer is due search_timeout ticks from now.",
    ),
    refuse(
        "results_unknown",
        RUNNING,
        "message:results",
        "not_awaited",
        "sla.unknown_search",
        "Results for a search not open, or already answered.",
    ),
    refuse(
        "results_forged",
        RUNNING,
        "message:results",
        "result_forged",
        "sla.bad_description",
        "A result not signed by the provider it names.",
    ),
    refuse(
        "results_unmatched",
        RUNNING,
        "message:results",
        "result_unmatched",
        "sla.bad_description",
        "A result of another type, or that does not meet the query: the index lies.",
    ),
    _row(
        "found",
        RUNNING,
        "message:results",
        None,
        "take_results",
        RUNNING,
        note="Every result is signed and matches: the search is answered with them.",
    ),
    _row(
        "search_expired",
        RUNNING,
        "timer:search",
        None,
        "forget_search",
        RUNNING,
        note="The search's time is up: forget it and what it found.",
    ),
)
"""Rows of ``sla.node`` for the view, the index and searches, in table order."""
