"""The command line: thin Click commands over the core.

Each command family lives in its own module and registers itself on `cli`;
the modules are imported at the bottom so that ``balintbib --help`` lists them.
Textual is imported only when the TUI starts, so headless commands stay fast.
"""

from __future__ import annotations

import os
import sys

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
        except BrokenPipeError:
            # `balintbib list | head -1`: the reader had enough; that is not an error.
            _quiet_stdout()
            ctx.exit(0)


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so that Python's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


@click.group(cls=BalintGroup, invoke_without_command=True)
@click.version_option(__version__, prog_name="balintbib")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Keep the society's annotated bibliography: check, normalize, format,
    export reading lists, sync with a Mendeley group, browse in a terminal UI.

    Run with no command to open the terminal UI on the library.

    \b
    Exit codes:
      0  done, nothing to report
      1  a problem found or an operation failed
      2  bad usage (unknown option, missing argument, a path that does not exist)
      3  pull, push, sync, status, resolve: done, but sync conflicts are open
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(cli.commands["browse"]) if "browse" in cli.commands else click.echo(ctx.get_help())


def main() -> None:
    cli()


@cli.command("completion")
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion_cmd(shell: str) -> None:
    """Print the shell completion script for SHELL (commands, options, citation
    keys, styles, tags, remote names).

    \b
    bash:  eval "$(balintbib completion bash)"      (in ~/.bashrc)
    zsh:   eval "$(balintbib completion zsh)"       (in ~/.zshrc)
    fish:  balintbib completion fish > ~/.config/fish/completions/balintbib.fish
    """
    from click.shell_completion import get_completion_class

    cls = get_completion_class(shell)
    click.echo(cls(cli, {}, "balintbib", "_BALINTBIB_COMPLETE").source())


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
from . import show_cmds  # noqa: E402,F401
from . import import_cmds  # noqa: E402,F401
from . import migrate_cmd  # noqa: E402,F401
