"""The CLI page: ``--help`` of ``peermarket`` and of every subcommand, from click itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from docutils import nodes

from peermarket_docs.docnodes import lit, literal_block, titled_section

REPO_ROOT = Path(__file__).resolve().parents[3]


def _help(command: click.Command, ctx: click.Context) -> str:
    text = command.get_help(ctx)
    return text.replace(str(REPO_ROOT) + "/", "").replace(str(REPO_ROOT), ".")


def cli_sections(
    command: click.Command, name: str, parent: click.Context | None = None
) -> list[nodes.Node]:
    """``--help`` of a command and, recursively, of each of its subcommands."""
    settings: dict[str, Any] = {"terminal_width": 88, "max_content_width": 88}
    settings.update(command.context_settings)
    ctx = click.Context(command, info_name=name, parent=parent, **settings)
    path = ctx.command_path
    section = titled_section("cli-" + nodes.make_id(path), lit(path))
    section += literal_block(_help(command, ctx))
    out: list[nodes.Node] = [section]
    if isinstance(command, click.Group):
        for sub_name in command.list_commands(ctx):
            sub = command.get_command(ctx, sub_name)
            if sub is not None and not sub.hidden:
                out += cli_sections(sub, sub_name, ctx)
    return out
