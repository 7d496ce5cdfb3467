"""Where things are: the installed corpus and schemas, and where outputs go by default.

The ``peermarket`` command runs either from a source tree (a checkout or an
unpacked sdist, possibly installed in editable mode) or from an installed
wheel in ``site-packages``. Reading the installed corpus and schemas is fine
in both; writing is not: a command that *generates* files writes into the
source tree only when there is one, and otherwise into the current
directory, never into an installed package. :func:`in_source_tree` is the one
place that decides which case applies.
"""

import shlex
from pathlib import Path
from typing import Final

import spec.v1

PACKAGE_DIR: Final = Path(__file__).resolve().parent
"""The ``conformance`` package directory."""
ROOT: Final = PACKAGE_DIR.parent
"""The directory above the packages: the source tree's root, or ``site-packages``."""

CORPUS_SUBDIR: Final = Path("traces") / "v1"
SCHEMAS_SUBDIR: Final = Path("schemas")

COMMAND: Final = "peermarket"
"""The command's name, as it is spelled in the hints printed for people."""


def in_source_tree() -> bool:
    """True when the code runs from a source tree: the directory above the ``conformance``
    package holds ``pyproject.toml`` and ``spec/``. An installed wheel (``site-packages``)
    holds ``spec/`` but no ``pyproject.toml``."""
    return (ROOT / "pyproject.toml").is_file() and (ROOT / "spec").is_dir()


def installed_corpus() -> Path:
    """The corpus shipped with this code (``conformance/traces/v1``): read it, never write it
    unless :func:`in_source_tree`."""
    return PACKAGE_DIR / CORPUS_SUBDIR


def installed_schemas() -> Path:
    """The schemas shipped with this code (``spec/v1/schemas``)."""
    return Path(spec.v1.__file__).resolve().parent / SCHEMAS_SUBDIR


def corpus_output(check: bool = False) -> Path:
    """Where ``corpus generate`` writes without ``--out``: the checked-in corpus in a source
    tree, else ``./traces/v1``. ``check`` (which reads only) always means the installed one."""
    return installed_corpus() if check or in_source_tree() else CORPUS_SUBDIR


def schemas_output(check: bool = False) -> Path:
    """Where ``spec export`` writes without ``--out``: ``spec/v1/schemas`` in a source tree,
    else ``./schemas``. ``check`` (which reads only) always means the installed ones."""
    return installed_schemas() if check or in_source_tree() else SCHEMAS_SUBDIR


def is_installed_corpus(traces: Path | str) -> bool:
    """Whether ``traces`` names the installed corpus (so a hint can leave ``--traces`` out)."""
    try:
        return Path(traces).resolve() == installed_corpus().resolve()
    except OSError:
        return False


def show_command(
    case_id: str, step: int | str | None = None, traces: Path | str | None = None
) -> str:
    """The command that shows case ``case_id`` (and its step ``step``, 1-based, or a
    placeholder such as ``N``), with ``--traces`` when ``traces`` is not the installed
    corpus; quoted for a POSIX shell."""
    words = [COMMAND, "corpus", "show", case_id]
    if step is not None:
        words += ["--step", str(step)]
    if traces is not None and not is_installed_corpus(traces):
        words += ["--traces", str(traces)]
    return shlex.join(words)
