"""Version 1 of the PeerMarket specification."""

from typing import Final

SPEC_VERSION: Final = "1.7.0"
"""Semantic version of this specification (see ``prose/versioning.md``)."""

WIRE_VERSION: Final = 1
"""The major version, the only part of the version carried on the wire."""
