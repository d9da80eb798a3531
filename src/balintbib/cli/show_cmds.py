"""show and tags: one reference in full; the tag vocabulary, renamed or merged across the library."""

from __future__ import annotations

import click

from .. import config, tags as tagmod
from ..formats import bibtex, csljson
from . import cli
from ._common import echo_json, json_option, library_option, open_library, saved_to, style_option, warn_unread
from .completion import complete_keys, complete_tags

DEFAULT_STYLE = "apa"


def _configured_style() -> str:
    style = config.load_config().get("style")
    return style if isinstance(style, str) and style else DEFAULT_STYLE


@cli.command("show")
@click.argument("key", shell_complete=complete_keys)
@library_option
@style_option(help="Style of the citation line (default: style in the config file, else apa).")
@click.option("--bibtex", "as_bibtex", is_flag=True, help="Print the entry as written in its file.")
@json_option
def show_cmd(key, library_path, style, as_bibtex, json_):
    """Show one reference in full: every field (also non-standard ones), the
    annotation, tags, remote ids and the citation in the configured style.

    \b
    Examples:
      balintbib show balint1964doctor
      balintbib show balint1964doctor --bibtex
      balintbib show balint1964doctor --json -S vancouver
    """
    lib = open_library((), library_path)
    warn_unread(lib.problems)
    ref = lib.get(key)
    if ref is None:
        from ..tags import closest

        near = closest(key, [r.key for r in lib.references])
        raise click.ClickException(f"no reference with the key {key!r} in the library"
                                   + (f"; did you mean {near!r}?" if near else ""))
    if as_bibtex:
        click.echo(lib.source_of(ref).strip("\n"))
        return
    if style is not None:  # a style asked for by name must exist: say so now
        from ..cite.styles import resolve_style

        resolve_style(style)  # StyleError: one line, exit 1
    style = style or _configured_style()
    citation, citation_error = "", None
    try:
        from ..cite import render_bibliography

        rendered = render_bibliography([csljson.to_csl(ref, lib.macros)], style)
        citation = rendered[0].text if rendered else ""
    except Exception as exc:  # noqa: BLE001 - a style problem must not hide the reference
        citation_error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    names = bibtex.ordered_fields(ref.fields)
    fields = {name: lib.text(ref, name) for name in names}
    if json_:
        echo_json({"key": ref.key, "type": ref.type, "path": lib.file_of(ref), "line": lib.line_of(ref),
                   "fields": fields, "bibtex": {n: ref.fields[n] for n in names},
                   "annotation": ref.annotation, "tags": ref.tags, "remote_ids": ref.remote_ids,
                   "citation": {"style": style, "text": citation, "error": citation_error}})
        return
    where = f"{lib.file_of(ref)}:{lib.line_of(ref)}" if lib.file_of(ref) else "(not saved)"
    click.echo(f"{ref.key}  @{ref.type}  {where}")
    click.echo()
    click.echo(f"{style}: " + (citation or f"(cannot format: {citation_error})"))
    click.echo()
    skip = {"annotation", "keywords", "remote-ids"}
    width = max((len(n) for n in names if n not in skip), default=0)
    for name in names:
        if name not in skip:
            click.echo(f"{name:<{width}}  {' '.join(fields[name].split())}")
    click.echo()
    click.echo(f"Tags: {', '.join(ref.tags) or '(none)'}")
    ids = ref.remote_ids
    click.echo("Remote ids: " + ("; ".join(f"{k}: {v}" for k, v in sorted(ids.items())) if ids else "(none)"))
    click.echo("Annotation:")
    click.echo(ref.annotation or "(none)")


@cli.group("tags", invoke_without_command=True)
@library_option
@json_option
@click.pass_context
def tags_group(ctx, library_path, json_):
    """The library's tags with the number of references carrying each;
    `tags rename` and `tags merge` change a tag across the library."""
    ctx.ensure_object(dict)
    ctx.obj["library_path"] = library_path
    if ctx.invoked_subcommand is not None:
        return
    lib = open_library((), library_path)
    warn_unread(lib.problems)
    vocab = tagmod.vocabulary(lib.references)
    if json_:
        echo_json([{"tag": t, "count": n} for t, n in vocab.items()])
        return
    if not vocab:
        click.echo("(no tags)", err=True)
    for tag, n in vocab.items():
        click.echo(f"{n:>5}  {tag}")


def _retag(ctx, library_path, action, a, b, verb):
    lib = open_library((), library_path or (ctx.obj or {}).get("library_path"))
    errors = [p for p in lib.problems if p.severity == "error"]
    if errors:
        raise click.ClickException(f"not changing tags: the library has an error: {errors[0]} (balintbib check)")
    changed = action(lib.references, a, b)
    written = lib.save()  # every file rendered before any is written; each write atomic
    click.echo(f"{verb} {a!r} -> {b!r} on {len(changed)} reference(s); wrote {saved_to(lib, written) or 'nothing'}")


@tags_group.command("rename")
@click.argument("old", shell_complete=complete_tags)
@click.argument("new")
@library_option
@click.pass_context
def tags_rename(ctx, old, new, library_path):
    """Rename tag OLD to NEW on every reference (NEW must not exist yet: see merge)."""
    _retag(ctx, library_path, tagmod.rename, old, new, "Renamed")


@tags_group.command("merge")
@click.argument("source", shell_complete=complete_tags)
@click.argument("target", shell_complete=complete_tags)
@library_option
@click.pass_context
def tags_merge(ctx, source, target, library_path):
    """Fold tag SOURCE into the existing tag TARGET on every reference."""
    _retag(ctx, library_path, tagmod.merge, source, target, "Merged")
