"""The release record: each spec version and the fingerprint of what it ships.

A version is a promise about bytes: these schemas, these tables, this corpus.
Each row pairs a version with the fingerprint of its schemas directory and its
corpus (the hash is defined in ``conformance.fingerprint``). The test suite
recomputes the fingerprint of the tree and fails when it matches no row for
:data:`spec.v1.SPEC_VERSION`: a schema or corpus change without a new version.
Rows are appended; the last may be amended until its version first lands, and
a released row is never edited (``prose/versioning.md``, which also has the
history of what each version changed).
"""

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class Release:
    """One published spec version and the fingerprint of its schemas and corpus."""

    version: str
    fingerprint: str
    """Lowercase hex SHA-256, as ``conformance.fingerprint.release_fingerprint`` computes it."""


RELEASES: Final[tuple[Release, ...]] = (
    # Taken from commit 238e635, the last before the overlay.
    Release("1.0.0", "8c3446f22093de8f397f39b1bb4b20c4e3871b494d51bf9dd6c42efb9899cf70"),
    # Taken from commit 3d9c1c1, the last before routing-table maintenance.
    Release("1.1.0", "f38420a5f8f0233b82d5ea9112878cfe258fc4f7d4b8a6b59ba6958937be5f60"),
    # As landed at commit db6cd03 (the row was later amended by mistake, and restored).
    Release("1.2.0", "f67841cc6efbe701494b97751415b27acbcc54dc1e27fa4ea93c8db7ea91212a"),
    Release("1.3.0", "58047509f1c9373c8332efb7585df09f4fb82db47c90ee587b3a21cbcd8964f3"),
    Release("1.4.0", "351ad9a25eeded71445ce6027c54e9c5e9cf6be608aa3f0cf720d655f5c7fb8d"),
    Release("1.5.0", "6f133c75bc5c6562cedc5cc284f2853de66b7a03eb16ff6df6fa7f21fc56f05f"),
    Release("1.6.0", "95142bcfd520798b2ad4d3ddde6e2d2096f13dd7bb58cb8d5a31ebf378f3464c"),
    Release("1.7.0", "04b9fb5407f054b9707260c2c62688183d15fd9223d5e9a456fa5001d0a8860b"),
)
"""Every release, oldest first; the last is the current :data:`spec.v1.SPEC_VERSION`."""
