"""A handout as plain text: wrapped at 78 columns, hanging indents, no markup."""

from __future__ import annotations

import textwrap

from .handout import Handout
from .rich import plain

WIDTH = 78
HANG = 4


def _wrap(text: str, first: str, rest: str, width: int = WIDTH) -> list[str]:
    return textwrap.wrap(text, width=width, initial_indent=first, subsequent_indent=rest,
                         break_long_words=False, break_on_hyphens=False) or [first.rstrip()]


def render_text(handout: Handout, width: int = WIDTH) -> str:
    out = [*_wrap(handout.title, "", "", width)]
    out.append("=" * min(width, max(len(line) for line in out)))
    out += _wrap(handout.summary, "", "", width)
    out.append("")
    for para in handout.intro:
        out += _wrap(plain(para), "", "", width)
        out.append("")
    for section in handout.sections:
        if section.title is not None:
            out += ["", section.title, "-" * min(width, len(section.title)), ""]
        # numeric labels padded to the widest one, so that the text of every entry aligns
        label_width = max([HANG] + [len(e.label) + 1 for e in section.entries if e.label])
        for entry in section.entries:
            first = entry.label.ljust(label_width) if entry.label else ""
            hang = " " * (label_width if entry.label else HANG)
            out += _wrap(first + plain(entry.reference), "", hang, width)
            for para in entry.annotation:  # a little deeper than the reference's hanging lines
                out += _wrap(plain(para), hang + "  ", hang + "  ", width)
            out.append("")
    out += ["-" * 20, *_wrap(handout.footer, "", "", width), ""]
    return "\n".join(out)
