"""A handout as Markdown (CommonMark), for wikis, e-mail and further editing.

Text from the data is escaped so that it can never become Markdown or HTML
syntax (``<script>`` stays text, a ``*`` in a title stays a star, a numbered
label ``1.`` does not start a list).  Links are written as autolinks.
Annotations are block quotes under their reference.
"""

from __future__ import annotations

import re

from .handout import Handout
from .rich import Paragraph

#: Characters that are Markdown (or inline HTML) syntax anywhere in a line.
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")
_ENTITY = re.compile(r"&(?=#?\w+;)")
#: What would start a block (heading, list, quote, rule) at the start of a line.
_BLOCK_START = re.compile(r"^(\s*)([#+\-=>]|\d+[.)])")


def escape_md(text: str) -> str:
    text = _INLINE_SPECIAL.sub(r"\\\1", text)
    text = _ENTITY.sub(r"\\&", text)
    return text


def _escape_line_start(text: str) -> str:
    m = _BLOCK_START.match(text)
    if not m:
        return text
    lead, token = m.group(1), m.group(2)
    if token[-1] in ".)":
        return lead + token[:-1] + "\\" + token[-1] + text[m.end():]
    return lead + "\\" + token + text[m.end():]


def runs_to_markdown(paragraph: Paragraph) -> str:
    out = []
    for run in paragraph:
        if run.href and run.text.startswith(("http://", "https://")) and run.text == run.href:
            out.append(f"<{run.href}>")
            continue
        text = escape_md(run.text)
        if run.href:
            text = f"[{text}](<{run.href}>)"
        core = text.strip()
        if core and (run.italic or run.bold):
            lead = text[: len(text) - len(text.lstrip())]
            trail = text[len(text.rstrip()):]
            mark = ("**" if run.bold else "") + ("*" if run.italic else "")
            text = f"{lead}{mark}{core}{mark[::-1]}{trail}"
        if run.sup:
            text = f"<sup>{text}</sup>"
        elif run.sub:
            text = f"<sub>{text}</sub>"
        out.append(text)
    return _escape_line_start("".join(out))


def render_markdown(handout: Handout) -> str:
    out = [f"# {escape_md(handout.title)}", "", f"*{escape_md(handout.summary)}*", ""]
    for para in handout.intro:
        out += [runs_to_markdown(para), ""]
    for section in handout.sections:
        if section.title is not None:
            out += [f"## {escape_md(section.title)}", ""]
        for entry in section.entries:
            label = escape_md(entry.label) + " " if entry.label else ""
            if label and re.match(r"\d+[.)]", entry.label):
                label = _escape_line_start(label)
            out += [label + runs_to_markdown(entry.reference), ""]
            if entry.annotation:  # one block quote, its paragraphs separated by ">"
                out += ["\n>\n".join("> " + runs_to_markdown(p) for p in entry.annotation), ""]
    out += ["---", "", f"*{escape_md(handout.footer)}*", ""]
    return "\n".join(out)
