"""migrate SRC DEST: copy a Mendeley group into a Zotero group."""

from __future__ import annotations

import click

from ..remotes.base import RemoteError
from ..remotes.config import RemoteConfigError, get_remote
from . import cli
from ._common import echo_json, is_tty, json_option


@cli.command()
@click.argument("src")
@click.argument("dest")
@click.option("--dry-run", is_flag=True, help="Only list what would be written and what Zotero cannot hold.")
@click.option("--quiet", "-q", is_flag=True, help="No per-document list, no progress.")
@json_option
def migrate(src: str, dest: str, dry_run: bool, quiet: bool, json_: bool) -> None:
    """Copy the Mendeley group of remote SRC into the Zotero group of remote DEST.

    Every document, field, tag and note the account can read, with each note's
    author, dates and privacy. What Zotero cannot hold as its own fields is listed
    per document before anything is written (it is kept in the item's Extra).
    Safe to run again or to resume after an interruption: nothing is created twice.

    Example: balintbib migrate society society-z --dry-run
    """
    from ..migrate import plan_migration, run_migration
    from ..remotes.mendeley import client_for as mendeley_client
    from ..remotes.zotero import client_for as zotero_client

    try:
        s, d = get_remote(src), get_remote(dest)
        if s.type != "mendeley" or d.type != "zotero":
            raise click.ClickException(f"migrate copies a Mendeley group into a Zotero group: {src} is "
                                       f"{s.type}, {dest} is {d.type}")
        plan = plan_migration(mendeley_client(s), d.name)
        lines = [p.describe() for p in plan.docs if p.in_extra or p.not_copied]
        if not json_ and not quiet:
            click.echo(f"{len(plan.docs)} document(s), {sum(len(p.notes) for p in plan.docs)} note(s) and "
                       f"{len(plan.collections)} folder(s) in Mendeley group {s.group}.")
            if lines:
                click.echo(f"What Zotero cannot hold as its own fields ({len(lines)} document(s)):")
                for line in lines:
                    click.echo(f"  {line}")
            click.echo(f"Note: {plan.own_fields}.")
            click.echo(f"Note: {plan.notes_unreachable}.")
        if dry_run:
            if json_:
                echo_json({"dry_run": True, **plan.to_json()})
            return
        progress = _bar(is_tty() and not quiet and not json_)
        try:
            report = run_migration(plan, zotero_client(d), progress)
        finally:
            progress.close()
    except (RemoteError, RemoteConfigError) as exc:
        raise click.ClickException(str(exc)) from None
    if json_:
        echo_json({"plan": plan.to_json(), "report": report.to_json()})
    elif not quiet:
        v = report.verified
        click.echo(f"Migrated into Zotero group {d.group}: {report.created} object(s) created, {report.already} "
                   f"already there, {report.skipped_documents} document(s) imported before, "
                   f"{len(report.failed)} failed ({report.requests} requests).")
        click.echo(f"Check: documents {v['documents'][1]}/{v['documents'][0]}, notes {v['notes'][1]}/"
                   f"{v['notes'][0]}, tags {v['tags'][1]}/{v['tags'][0]}, folders {v['collections'][1]}/"
                   f"{v['collections'][0]}.")
        for f in report.failed:
            click.echo(f"  failed: {f}", err=True)
    if report.failed:
        raise SystemExit(1)


class _bar:
    def __init__(self, enabled: bool):
        self.enabled, self.bar, self.last = enabled, None, 0

    def __call__(self, label: str, done: int, total: int) -> None:
        if not self.enabled or total <= 0:
            return
        if self.bar is None:
            import sys

            self.bar = click.progressbar(length=total, label=label.capitalize(), file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.last)
        self.last = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
