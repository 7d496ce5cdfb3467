"""The rows of ``sla.agreement`` that settle a closed agreement between the two parties' A&C:
the consumer paying what is due, and a barter pair settling both legs together (``sla.md``,
"Payment and settlement"). A closed agreement is ``idle`` (its record is kept), so every
row is in ``idle``; a payment for an agreement still open has no row."""

from typing import Final

from spec.v1.machine import Transition
from spec.v1.machine import row as _row
from spec.v1.sla.rows import IDLE, refuse


def _unpaid(prefix: str, trigger: str, who: str) -> tuple[Transition, ...]:
    """The refusals a payment and the command to make one share, after the first."""
    return (
        refuse(
            f"{prefix}_settled",
            IDLE,
            trigger,
            "already_settled",
            "sla.settled",
            "The agreement, or its barter pair, is settled already.",
        ),
        refuse(
            f"{prefix}_pair_open",
            IDLE,
            trigger,
            "pair_open",
            "sla.barter_unsettled",
            "A barter leg whose other leg is still open: the pair settles together, later.",
        ),
        refuse(
            f"{prefix}_not_owed",
            IDLE,
            trigger,
            "not_owed",
            "sla.wrong_payment",
            f"{who} does not owe on this agreement, or not this amount.",
        ),
    )


SETTLE_ROWS: Final[tuple[Transition, ...]] = (
    refuse(
        "pay_unknown",
        IDLE,
        "command:pay",
        "not_recorded",
        "sla.unknown_agreement",
        "A payment for an agreement this node has no record of.",
    ),
    *_unpaid("pay", "command:pay", "This node"),
    _row(
        "pay",
        IDLE,
        "command:pay",
        None,
        "pay",
        IDLE,
        ("payment",),
        note="Pay what this node owes (the due, or a barter pair's difference); the "
        "agreement, or both legs of the pair, are settled.",
    ),
    refuse(
        "payment_unknown",
        IDLE,
        "message:payment",
        "not_recorded",
        "sla.unknown_agreement",
        "A payment for an agreement this node has no record of.",
    ),
    refuse(
        "payment_stranger",
        IDLE,
        "message:payment",
        "not_recorded_peer",
        "sla.not_party",
        "A payment from a node that is not the agreement's other party.",
    ),
    *_unpaid("payment", "message:payment", "The sender"),
    _row(
        "paid",
        IDLE,
        "message:payment",
        None,
        "take_payment",
        IDLE,
        note="The payment is what the sender owes: the agreement, or both legs of the barter "
        "pair, are settled.",
    ),
)
"""Rows of ``sla.agreement`` for settling closed agreements, in table order."""
