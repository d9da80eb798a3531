"""cite and render: in-text citations, and Markdown documents that cite the library."""

from __future__ import annotations

from pathlib import Path

import click

from ..cite import StyleError
from ..cite.citations import CitationError, find_citations, parse_cite_arg
from ..cite.document import UnknownKeyError, bibliography_of, cite, render_document
from ..export.document import render as render_doc
from ..export.handout import ExportError
from ..fsutil import atomic_write_bytes
from . import cli
from ._common import (echo_json, json_option, library_option, locale_option, refuse_output_over_inputs,
                      resolve_library, style_option)
from .format_cmd import _csl_items

DEFAULT_STYLE = "apa"
_DOC_FORMATS = {".html": "html", ".htm": "html", ".md": "markdown", ".markdown": "markdown",
                ".docx": "docx", ".pdf": "pdf"}


_STYLE_HELP = f"A CSL style: an official ID, a curated style or a .csl file (default: {DEFAULT_STYLE})."


def _items(library_path):
    return _csl_items((resolve_library(library_path),))


def _cluster(args: tuple[str, ...]) -> list[dict]:
    """KEY[@LOCATOR] arguments, or pandoc clusters ("[see @a, p. 12; @b]")."""
    cluster: list[dict] = []
    for arg in args:
        if "[" in arg or " @" in arg or arg.startswith(("@", "-@")):
            found = find_citations(arg if arg.lstrip().startswith("[") else f"[{arg}]")
            problems = [p for c in found for p in c.problems]
            if problems or not found:
                raise CitationError(f"{arg!r}: {problems[0] if problems else 'no citation'}")
            cluster.extend(item for c in found for item in c.items)
        else:
            cluster.append(parse_cite_arg(arg))
    return cluster


@cli.command("cite")
@click.argument("keys", nargs=-1, required=True, metavar="KEY[@LOCATOR]...")
@library_option
@style_option(help=_STYLE_HELP)
@locale_option
@click.option("--suppress-author", is_flag=True, help="Leave the author out: (2004, p. 12).")
@click.option("--author-only", is_flag=True, help="Only the author, for running text.")
@click.option("--in-text", is_flag=True, help="Author, then the rest: Kjeldmand et al. (2004).")
@click.option("--prefix", default="", help="Text before the first cite (see ...).")
@click.option("--suffix", default="", help="Text after the last cite (..., for example).")
@click.option("--bibliography", "-b", is_flag=True, help="Print the cited references after the citation.")
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "html", "markdown"]), default="text",
              show_default=True)
@json_option
def cite_cmd(keys, library_path, style, locale, suppress_author, author_only, in_text, prefix,
             suffix, bibliography, fmt, json_):
    """Print an in-text citation (one cluster) of KEYs in a CSL style.

    A locator follows '@': KEY@12 (a page), KEY@'chap. 3', KEY@'fig. 2',
    KEY@'§ 4', KEY@'sub verbo Balint'; any CSL locator type. An argument in
    pandoc's syntax is a cluster of its own: '[see @a, pp. 3-5; -@b]'.

    \b
    Examples:
      balintbib cite kjeldmand2004balint salinsky2002@12 -S apa
      balintbib cite '[see @balint1964doctor, chap. 3, for example]' -S vancouver
      balintbib cite balint1964doctor --in-text -S apa --json
    """
    style = style or DEFAULT_STYLE
    if sum((suppress_author, author_only, in_text)) > 1:
        raise click.UsageError("choose one of --suppress-author, --author-only, --in-text")
    try:
        cluster = _cluster(keys)
    except CitationError as exc:
        raise click.ClickException(str(exc)) from None
    for item in cluster:
        if suppress_author:
            item["suppress-author"] = True
        if author_only:
            item["author-only"] = True
    if prefix:
        cluster[0]["prefix"] = prefix.rstrip() + " " + cluster[0].get("prefix", "")
    if suffix:
        cluster[-1]["suffix"] = cluster[-1].get("suffix", "") + (
            suffix if suffix.startswith((",", ";", ".", " ")) else " " + suffix)
    items = _items(library_path)
    try:
        out = cite(items, cluster, style, locale, in_text=in_text)
        refs = bibliography_of(items, [c["id"] for c in cluster], style, locale) if (
            bibliography or json_) else []
    except (StyleError, UnknownKeyError) as exc:
        raise click.ClickException(str(exc)) from None
    if json_:
        echo_json({"text": out.text, "html": out.html, "markdown": out.markdown, "note": out.note,
                   "cites": cluster,
                   "bibliography": [{"id": e.id, "text": e.text, "html": e.html} for e in refs]})
        return
    pick = {"text": "text", "html": "html", "markdown": "markdown"}[fmt]
    click.echo(getattr(out, pick))
    if bibliography:
        click.echo()
        for entry in refs:
            click.echo(getattr(entry, pick))


@cli.command("render")
@click.argument("document", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--output", "-o", required=True, type=click.Path(path_type=Path, dir_okay=False),
              help="The file to write: .html, .md, .docx or .pdf.")
@library_option
@style_option(help=_STYLE_HELP)
@locale_option
@click.option("--format", "-f", "fmt", type=click.Choice(["html", "markdown", "docx", "pdf"]),
              help="Output format (default: from the extension of -o).")
@click.option("--title", help="The document's title (default: its first # heading).")
def render_cmd(document, output, library_path, style, locale, fmt, title):
    """Render a Markdown DOCUMENT that cites the library, pandoc style:
    [@key], [see @key, p. 12; @other], @key in text, [-@key].

    Citations are rendered in place (numbered in order of first citation for
    numeric styles; footnotes for note styles), the bibliography goes where
    a '::: refs' line stands, else at the end. Unknown keys are reported with
    their line numbers and shown as written.

    \b
    Examples:
      balintbib render newsletter.md -o newsletter.pdf -S vancouver
      balintbib render handout.md -o handout.docx -S apa
    """
    style = style or DEFAULT_STYLE
    refuse_output_over_inputs(output, [document])
    fmt = fmt or _DOC_FORMATS.get(output.suffix.lower())
    if fmt is None:
        raise click.UsageError(f"{output}: unknown extension; use .html, .md, .docx or .pdf, or --format")
    try:
        text = document.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise click.ClickException(f"{document}: no such file") from None
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"{document}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise click.ClickException(f"{document}: {exc.strerror}") from None
    items = _items(library_path)
    try:
        doc = render_document(text, items, style, locale, source=str(document), title=title)
        data = render_doc(doc, fmt)
    except (StyleError, ExportError) as exc:
        raise click.ClickException(str(exc)) from None
    for problem in doc.problems:
        click.echo(f"warning: {problem}", err=True)
    atomic_write_bytes(output, data)
    cited = len(doc.references)
    click.echo(f"Wrote {output} ({cited} reference{'s' if cited != 1 else ''}"
               + (f", {len(doc.notes)} notes" if doc.notes else "")
               + (f", {len(doc.problems)} problem(s) reported above" if doc.problems else "") + ")",
               err=True)
