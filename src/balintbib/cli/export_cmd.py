"""export: the annotated reading list (handout) in HTML, Markdown, text, DOCX or PDF."""

from __future__ import annotations

import datetime
import os
import sys
from pathlib import Path

import click

from ..export import (
    DEFAULT_STYLE,
    FORMATS,
    GROUPINGS,
    ExportError,
    build_handout,
    format_for_path,
    is_text_format,
    render,
    select_references,
)
from ..export.handout import library_settings, locale_settings
from ..fsutil import atomic_write_bytes
from . import cli
from ._common import (
    echo_json,
    is_tty,
    json_option,
    library_option,
    locale_option,
    open_library,
    refuse_output_over_inputs,
    select_option,
    style_option,
    warn_unread,
)
from .completion import complete_keys, complete_tags

#: Show a progress bar from this many formatted entries on.
PROGRESS_THRESHOLD = 300
STDOUT_FORMAT = "markdown"


class _Progress:
    """click.progressbar on stderr, opened on the first report if the job is big enough."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.bar = None

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total < PROGRESS_THRESHOLD:
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label="Formatting", file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.bar.pos)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def _build_date():
    """The footer's date: today, or SOURCE_DATE_EPOCH for reproducible handouts."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc).date()
    return None


def _split_keys(values: tuple[str, ...]) -> list[str]:
    return [k.strip() for v in values for k in v.split(",") if k.strip()]


def _check_output(output: str) -> None:
    """Fail before formatting when the output cannot be written at all."""
    folder = Path(output).parent
    if not folder.is_dir():
        raise ExportError(f"cannot write {output}: the folder {folder} does not exist")
    if Path(output).is_dir():
        raise ExportError(f"cannot write {output}: it is a folder")
    if not os.access(folder, os.W_OK):
        raise ExportError(f"cannot write {output}: permission denied")


def _style_hint(query: str) -> str:
    """When a query matched nothing and is a style's name, the user meant -S."""
    if not query or " " in query.strip() or ":" in query:
        return ""
    from ..cite.styles import ALIASES, style_names

    if query in ALIASES or query in style_names():
        return f" ('{query}' is a citation style: use -S/--style {query}; -s is --select)"
    return ""


@cli.command("export")
@library_option
@style_option(help=f"CSL style: a name (apa, chicago-author-date...), a curated style or a .csl file. "
                   f"Default: {DEFAULT_STYLE}.")
@locale_option
@select_option
@click.option("--tag", "-t", "tags", multiple=True, metavar="TAG", shell_complete=complete_tags,
              help="The handout's themes (repeatable): references with ANY of these tags; "
                   "with --group-by tag, one section per tag in this order.")
@click.option("--keys", "-k", "keys", multiple=True, metavar="K1,K2", shell_complete=complete_keys,
              help="Only these citation keys (comma-separated, repeatable).")
@click.option("--group-by", "-g", type=click.Choice(GROUPINGS), default=None,
              help="Sections by tag (a reference appears under each of its tags), by year "
                   "(newest first), by type, or none. Default: tag.")
@click.option("--annotated/--no-annotated", default=True, show_default=True,
              help="Print each reference's annotation under it.")
@click.option("--provenance", is_flag=True,
              help="Also print where each reference was cited and for what (its provenance field).")
@click.option("--title", default=None, help="The handout's title.")
@click.option("--intro", type=click.Path(path_type=Path, dir_okay=False, allow_dash=True), default=None,
              help="A text file with the introduction (paragraphs; *italic*, **bold**, URLs); - reads stdin.")
@click.option("--paper", type=click.Choice(["a4", "letter"]), default=None,
              help="Page size for PDF, DOCX and printing (default: Letter with a US or Canadian --locale, else A4).")
@click.option("--section-breaks/--no-section-breaks", default=True, show_default=True,
              help="Start each section on a new page (PDF, DOCX, printed HTML).")
@click.option("--format", "-f", "fmt", type=click.Choice(list(FORMATS)), default=None,
              help="Output format (default: from the -o extension; markdown for -o -).")
@click.option("--output", "-o", required=True, metavar="FILE",
              help="The file to write (written atomically), or - for standard output.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary line (warnings still show).")
@click.option("json_", "--json", is_flag=True,
              help="Print what was written (path, format, style, counts, warnings) as JSON on stdout.")
def export_cmd(library_path, style, locale, query, tags, keys, group_by, annotated, provenance, title, intro,
               paper, section_breaks, fmt, output, quiet, json_):
    """Make an annotated reading list: a title, an introduction, then the references
    in a CSL style, each followed by its annotation, grouped by theme.

    \b
    Examples:
      balintbib export -o reading-list.html
      balintbib export --tag empathy --tag burnout -o empathy.pdf
      balintbib export --style apa --group-by year --select "year:2010.." -o recent.docx
      balintbib export --keys balint1964doctor,kjeldmand2004balint -o - --format text
    """
    if fmt is None:
        fmt = STDOUT_FORMAT if output == "-" else format_for_path(output)
        if fmt is None:
            raise click.UsageError(
                f"cannot tell the format from {output!r}; give --format ({', '.join(FORMATS)}) "
                "or an -o name ending in .html, .md, .txt, .docx or .pdf")
    if output == "-":
        if json_:
            raise click.UsageError("--json prints the report on standard output: give a file with -o")
        if not is_text_format(fmt) and is_tty(sys.stdout):
            raise click.UsageError(f"{fmt} is a binary format; give a file name with -o, or pipe it")
    else:
        _check_output(output)

    lib = open_library((), library_path)
    refuse_output_over_inputs(output, (), lib)
    warn_unread(lib.problems)  # shown even with --quiet: the handout is missing something
    folder = lib.root or (Path(lib.files[0].path).parent if lib.files else None)
    settings = library_settings(folder)
    locale = locale or settings.get("locale")
    local = locale_settings(settings, locale)  # [export.locales.<tag>]: title, intro, theme headings
    style = style or settings.get("style") or DEFAULT_STYLE
    intro_setting = local.get("intro") or settings.get("intro")
    intro_path = intro or (Path(intro_setting) if intro_setting else None)
    intro_text = ""
    if intro_path is not None and str(intro_path) == "-":
        intro_text = sys.stdin.read()
    elif intro_path is not None:
        try:
            intro_text = intro_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ExportError(f"{intro_path}: no such introduction file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ExportError(f"{intro_path}: cannot read the introduction: {exc}") from None

    try:
        refs = select_references(lib.references, query=query, tags=tags, keys=_split_keys(keys),
                                 macros=lib.macros)
    except ExportError as exc:
        raise ExportError(str(exc) + _style_hint(query)) from None
    progress = _Progress(enabled=not quiet and is_tty(sys.stderr))
    try:
        handout = build_handout(
            refs, macros=lib.macros, style=style, locale=locale,
            group_by=group_by or settings.get("group-by") or "tag", tags=tags,
            tag_order=settings.get("tag-order", ()), annotated=annotated,
            title=title or local.get("title") or settings.get("title"), intro=intro_text,
            paper=paper or settings.get("paper"), section_breaks=section_breaks, date=_build_date(),
            progress=progress, provenance=provenance, theme_labels=local.get("themes"),
            whole_library=not (query or tags or _split_keys(keys)), library_count=len(lib.references))
    finally:
        progress.close()
    for warning in handout.warnings:
        click.echo(f"warning: {warning}", err=True)
    data = render(handout, fmt)
    if output == "-":
        stream = getattr(sys.stdout, "buffer", None)
        if stream is None:  # a text-only stream (some embedding): text formats only
            sys.stdout.write(data.decode("utf-8"))
        else:
            sys.stdout.flush()
            stream.write(data)
            stream.flush()
        return
    atomic_write_bytes(output, data)
    if json_:
        echo_json({"path": str(output), "format": fmt, "style": handout.style_title, "style_id": style,
                   "references": handout.count,
                   "sections": [{"title": s.title, "references": len(s.entries)} for s in handout.sections],
                   "bytes": len(data), "warnings": list(handout.warnings)})
    if not quiet and not json_:
        sections = sum(1 for s in handout.sections if s.title is not None)
        where = f" in {sections} section{'s' if sections != 1 else ''}" if sections else ""
        click.echo(f"Wrote {output}: {handout.count} reference{'s' if handout.count != 1 else ''}"
                   f"{where}, {handout.style_title}, {fmt}.", err=True)
