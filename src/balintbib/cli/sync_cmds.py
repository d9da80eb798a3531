"""pull, push, sync, status, resolve: keep the library and a remote group in agreement.

Exit codes (for scripts): 0 done and no conflict open; 1 error (one line on
stderr, nothing half-written); 2 bad usage; 3 done, but conflicts are open
(see `balintbib status NAME`, settle with `balintbib resolve KEY`).
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path

import click

from ..library import Library
from ..normalize.keep import is_normalized
from ..remotes.base import RemoteError
from ..remotes.config import RemoteConfigError, get_remote, load_remotes
from ..sync.codec import OfflineRemote, RemoteAdapter
from ..sync.engine import SyncEngine, SyncError, conflict_text, library_root, parse_conflict_text
from ..sync.state import StateStore
from . import cli
from ._common import echo_json, is_tty, json_option, library_option, remote_name, resolve_library
from .completion import complete_keys, complete_remotes

EXIT_CONFLICTS = 3

quiet_option = click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary.")


class _Progress:
    """A click progress bar on stderr, only on a terminal and without --quiet."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.bar = None
        self.label = None
        self.last = 0

    def __call__(self, label: str, done: int, total: int) -> None:
        if not self.enabled or total <= 0:
            return
        if self.bar is None or label != self.label:
            self.close()
            self.bar = click.progressbar(length=total, label=label.capitalize(), file=sys.stderr)
            self.bar.__enter__()
            self.label, self.last = label, 0
        self.bar.update(done - self.last)
        self.last = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@contextmanager
def _errors():
    try:
        yield
    except (RemoteError, RemoteConfigError, SyncError) as exc:
        raise click.ClickException(str(exc)) from None


def _open(name: str | None, library_path: Path | None, progress=None, offline: bool = False) -> SyncEngine:
    cfg = get_remote(remote_name(name))
    library = Library.load(resolve_library(library_path))
    if offline:
        remote = OfflineRemote(cfg.name, cfg.group)
    else:
        from ..remotes.mendeley import client_for

        remote = RemoteAdapter(client_for(cfg))
    return SyncEngine(library, remote, progress=progress)


NAME = click.argument("name", required=False, shell_complete=complete_remotes)


def _show_conflicts(engine: SyncEngine, err: bool = False) -> None:
    conflicts = list(engine.state.conflicts.values())
    if conflicts:
        click.echo(f"{len(conflicts)} open conflict(s) (the library keeps its values until resolved):", err=err)
        for c in conflicts:
            click.echo(f"  {c.describe()}", err=err)
        click.echo("Settle each with: balintbib resolve KEY --ours | --theirs | --edit", err=err)


def _finish(engine: SyncEngine) -> None:
    if engine.state.conflicts:
        sys.exit(EXIT_CONFLICTS)


def _done_progress(engine: SyncEngine) -> None:
    if isinstance(engine.progress, _Progress):
        engine.progress.close()


def _keep_normalized(engine: SyncEngine, was_clean: bool, quiet: bool) -> None:
    """After a pull (or a push, a resolve): a library that was normalized stays so (new and
    changed entries in the normalized layout and in the library's order), so that
    `normalize --check` in CI still passes."""
    if not was_clean:
        return
    from ..normalize.keep import renormalize

    changed = renormalize([bf.path for bf in engine.library.files])
    for r in changed:
        for old, new, line in r.renames:
            click.echo(f"{r.path}:{line}: renamed key '{old}' -> '{new}' (normalize)", err=True)
    if changed and not quiet:
        click.echo("Normalized the pulled entries (the library was normalized before the pull).", err=True)


def _run(name: str, library_path: Path | None, quiet: bool, json_: bool, work, tidy: bool = False) -> None:
    """Open the sync engine, run `work(engine)`, print its JSON or the open conflicts, exit 3 if any.

    With `tidy` (pull, sync), a library that was normalized before is normalized after."""
    with _errors():
        engine = _open(name, library_path, _Progress(is_tty() and not quiet and not json_))
        was_clean = tidy and is_normalized([bf.path for bf in engine.library.files])
        out = work(engine)
        if tidy:
            _keep_normalized(engine, was_clean, quiet or json_)
    if json_:
        echo_json(out)
    else:  # --quiet hides progress and summaries, never problems
        _show_conflicts(engine, err=quiet)
    _finish(engine)


def _pull(engine: SyncEngine, full: bool, json_: bool, quiet: bool) -> dict:
    try:
        report = engine.pull(full=full)
    finally:
        _done_progress(engine)
    if not json_:  # what could not be taken is a problem, shown even with --quiet
        for line in report.problems:
            click.echo(f"warning: {line}", err=True)
    if not json_ and not quiet:
        kind = "full" if report.full else "incremental"
        click.echo(f"Pulled from {engine.name} ({kind}, {report.requests} requests): "
                   f"{len(report.added)} added, {len(report.updated)} updated, {len(report.removed)} removed, "
                   f"{len(report.conflicts)} conflict(s).")
        if report.recovered:
            click.echo(f"Finished {report.recovered} operation(s) of an interrupted push first.")
    return report.to_json()


def _push(engine: SyncEngine, dry_run: bool, json_: bool, quiet: bool) -> dict:
    try:
        report = engine.push(dry_run=dry_run)
    finally:
        _done_progress(engine)
    if json_ or quiet:
        return report.to_json()
    if dry_run:
        if report.planned:
            click.echo(f"Would send to {engine.name}:")
            for line in report.planned:
                click.echo(f"  {line}")
        else:
            click.echo(f"Nothing to send to {engine.name}.")
    else:
        if report.recovered:
            click.echo(f"Finished {report.recovered} operation(s) of an interrupted push first.")
        click.echo(f"Pushed to {engine.name} ({report.requests} requests): {len(report.created)} created, "
                   f"{len(report.updated)} updated, {len(report.trashed)} moved to the trash, "
                   f"{len(report.linked)} linked to existing documents, {len(report.conflicts)} conflict(s).")
    for key, why in report.skipped:
        click.echo(f"  skipped {key}: {why}")
    return report.to_json()


@cli.command()
@NAME
@library_option
@click.option("--full", is_flag=True, help="Reconcile every document (also done every 7 days by itself).")
@quiet_option
@json_option
def pull(name, library_path, full, quiet, json_):
    """Bring the group's changes into the library (NAME: default the only
    remote), merging field by field.

    A field changed only in the group is taken; changed on both sides to
    different values is a conflict: the library keeps its value, the group's
    is remembered, and `balintbib resolve` settles it.  Exits 3 when conflicts
    are open.
    """
    _run(name, library_path, quiet, json_, lambda engine: _pull(engine, full, json_, quiet), tidy=True)


@cli.command()
@NAME
@library_option
@click.option("--dry-run", "-n", is_flag=True, help="Print what would be sent; send nothing.")
@quiet_option
@json_option
def push(name, library_path, dry_run, quiet, json_):
    """Send local changes to the group: new references, changed fields only
    (refused if the group changed the document meanwhile: then it is pulled,
    merged and sent again), deletions (to the group's trash).
    """
    _run(name, library_path, quiet, json_, lambda engine: _push(engine, dry_run, json_, quiet), tidy=not dry_run)


@cli.command("sync")
@NAME
@library_option
@click.option("--full", is_flag=True, help="Reconcile every document while pulling.")
@quiet_option
@json_option
def sync_cmd(name, library_path, full, quiet, json_):
    """Pull, then push."""
    def both(engine: SyncEngine) -> dict:
        pulled = _pull(engine, full, json_, quiet)
        pushed = _push(engine, False, json_, quiet)
        return {"pull": pulled, "push": pushed, "open_conflicts": len(engine.state.conflicts)}

    _run(name, library_path, quiet, json_, both, tidy=True)


@cli.command()
@NAME
@library_option
@click.option("--offline", is_flag=True, help="Do not ask the group what changed there.")
@json_option
def status(name, library_path, offline, json_):
    """Local changes to push, group changes since the last pull, open conflicts.

    Exits 3 when conflicts are open, else 0.
    """
    with _errors():
        engine = _open(name, library_path, offline=offline)
        info = engine.status(offline=offline)
    if json_:
        echo_json(info)
        _finish(engine)
        return
    click.echo(f"Remote {engine.name} (group {info['group']}); last pull {info['last_pull'] or 'never'}, "
               f"last push {info['last_push'] or 'never'}.")
    if info["interrupted"]:
        click.echo("An interrupted push left work in the journal: run `balintbib push` to finish it.")
    changes = info["local_changes"]
    click.echo(f"Local changes to push: {len(changes)}")
    for line in changes:
        click.echo(f"  {line}")
    for item in info["skipped"]:
        click.echo(f"  not sent: {item['key']}: {item['why']}")
    rc = info["remote_changes"]
    if rc is None:
        click.echo("Group changes: not checked" + (" (never pulled)" if not offline else " (--offline)"))
    else:
        click.echo(f"Group changes since the last pull: {rc['changed']} changed, {rc['new']} new, "
                   f"{rc['deleted']} deleted or trashed")
    if not info["conflicts"]:
        click.echo("No open conflicts.")
    _show_conflicts(engine)
    _finish(engine)


@cli.command()
@click.argument("key", shell_complete=complete_keys)
@library_option
@click.option("--remote", "remote_name", default=None, shell_complete=complete_remotes,
              help="The remote of the conflict (default: the one that has it).")
@click.option("--ours", is_flag=True, help="Keep the library's values (sent at the next push).")
@click.option("--theirs", is_flag=True, help="Take the group's values.")
@click.option("--edit", is_flag=True, help="Edit the conflicting fields in $EDITOR.")
@json_option
def resolve(key, library_path, remote_name, ours, theirs, edit, json_):
    """Settle the open conflict on reference KEY with exactly one of --ours,
    --theirs or --edit."""
    chosen = [c for c, on in (("ours", ours), ("theirs", theirs), ("edit", edit)) if on]
    if len(chosen) != 1:
        raise click.UsageError("choose one of --ours, --theirs or --edit" if not chosen else
                               f"--{' and --'.join(chosen)} contradict each other: choose one")
    choice = chosen[0]
    with _errors():
        root = resolve_library(library_path)
        library = Library.load(root)
        was_clean = is_normalized([bf.path for bf in library.files])
        names = [remote_name] if remote_name else sorted(load_remotes())
        engine = None
        for n in names:
            cfg = get_remote(n)
            if not StateStore(library_root(library), n).path.exists():
                continue
            candidate = SyncEngine(library, OfflineRemote(cfg.name, cfg.group))
            if candidate.find_conflict(key) is not None:
                engine = candidate
                break
        if engine is None:
            raise click.ClickException(f"no open conflict on {key!r}" + (f" for remote {remote_name!r}" if remote_name else ""))
        conflict = engine.find_conflict(key)
        values = None
        if choice == "edit":
            if not conflict.fields:
                raise click.ClickException(f"{key}: {conflict.describe()}; choose --ours or --theirs")
            edited = click.edit(conflict_text(conflict), extension=".txt")
            if edited is None:
                raise click.ClickException("the editor was closed without saving; the conflict stays open")
            values = parse_conflict_text(conflict, edited)
        engine.resolve(key, choice, values)
        _keep_normalized(engine, was_clean, True)
    pending = [op.describe() for op in engine.plan().ops]
    if json_:
        echo_json({"key": key, "resolved": choice, "open_conflicts": len(engine.state.conflicts),
                   "to_push": pending})
    elif pending:
        click.echo(f"Resolved {key} ({choice}). {len(pending)} change(s) to send: "
                   f"run `balintbib push {engine.name}`.")
    else:
        click.echo(f"Resolved {key} ({choice}); the library and the group agree, nothing to push.")
    _finish(engine)
