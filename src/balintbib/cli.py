"""The command line: thin Click commands over the core."""

import click

from . import __version__


@click.group(invoke_without_command=True)
@click.version_option(__version__, prog_name="balintbib")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Keep the society's annotated bibliography."""


def main() -> None:
    cli()
