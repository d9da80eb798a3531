"""The unicode rule: one character policy (accent escapes decoded for utf8, encoded for latex)."""

from __future__ import annotations

from ...latex import latex_to_text
from ...model import PERSON_FIELDS, Reference
from ...names import split_name
from ..latexchars import decode_accents, encode_accents
from .base import _VERBATIM, RuleContext, is_verbatim, rule
from .names import split_name_list

@rule("unicode", "one character policy: utf8 decodes accent escapes (M{\\aa}rtenson -> Mårtenson), latex encodes them")
def fix_unicode(ref: Reference, ctx: RuleContext) -> None:
    policy = ctx.options.unicode
    fields, exprs, verbatim = ref.fields, ref.expressions, _VERBATIM
    everything = "".join(fields.values())  # one look at all the values first (most have nothing to do)
    if (policy == "utf8" and "\\" not in everything) or (policy == "latex" and everything.isascii()):
        return
    for name, value in fields.items():
        if (policy == "utf8" and "\\" not in value) or (policy == "latex" and value.isascii()):
            continue  # nothing to decode or encode (what `decode_accents`/`encode_accents` would say)
        if name in exprs or verbatim.get(name) or is_verbatim(name):
            continue
        is_names = name in PERSON_FIELDS
        new = decode_accents(value, names=is_names) if policy == "utf8" else encode_accents(value)
        if new is value or new == value:
            continue
        if reads_as(name, new) != reads_as(name, value):  # a spelling change only, never a new text
            ctx.notes.append(f"kept '{name}' of '{ref.key}' as written: its accents cannot be "
                             f"{'decoded' if policy == 'utf8' else 'encoded'} without changing its text")
            continue
        fields[name] = new


def reads_as(name: str, content: str):
    """What a value means: its text, and for a name list each name's parts as
    BibTeX splits them (every word decoded on its own)."""
    if name not in PERSON_FIELDS:
        return latex_to_text(content)
    out = []
    for one in split_name_list(content):
        parts = split_name(one)
        out.append(tuple(tuple(latex_to_text(t) for t in getattr(parts, k))
                         for k in ("first", "von", "last", "jr")))
    return out
