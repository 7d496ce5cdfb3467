"""``python -m conformance``: the ``peermarket`` command, for when the script is not on PATH."""

from conformance.cli import main

main(prog_name="peermarket")
