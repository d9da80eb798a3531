"""The command line: thin Click commands over the core.

Each command family lives in its own module and registers itself on `cli`;
the modules are imported at the bottom so that ``balintbib --help`` lists them.
Textual is imported only when the TUI starts, so headless commands stay fast.
"""

from __future__ import annotations

import click

from .. import __version__
from ..errors import BalintError


class BalintGroup(click.Group):
    """Turns every `BalintError` from the core into one clear line and exit 1."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except BalintError as exc:
            raise click.ClickException(str(exc)) from None
        except KeyboardInterrupt:
            click.echo("Interrupted; nothing half-written was left behind.", err=True)
            ctx.exit(130)


@click.group(cls=BalintGroup, invoke_without_command=True)
@click.version_option(__version__, prog_name="balintbib")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Keep the society's annotated bibliography: check, normalize, format,
    export reading lists, sync with a Mendeley group, browse in a terminal UI.

    Run with no command to open the terminal UI on the library.
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(cli.commands["browse"]) if "browse" in cli.commands else click.echo(ctx.get_help())


def main() -> None:
    cli()


# Command modules (each adds its commands to `cli`).
from . import library_cmds  # noqa: E402,F401
from . import format_cmd  # noqa: E402,F401
from . import export_cmd  # noqa: E402,F401
from . import remote_cmds  # noqa: E402,F401
from . import sync_cmds  # noqa: E402,F401
from . import normalize_cmds  # noqa: E402,F401
from . import annotate_cmd  # noqa: E402,F401
from . import tui_cmd  # noqa: E402,F401
from . import cite_cmds  # noqa: E402,F401
