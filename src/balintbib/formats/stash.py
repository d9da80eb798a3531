"""What a remote's field mapping cannot keep, as a stash to store beside the document.

A group service holds fewer fields and types than BibTeX.  Each remote's mapping
(`formats.mendeley`, `formats.zotero`) maps a reference to the service's JSON,
maps that JSON back, and compares: whatever did not come back unchanged is put in
a stash (Mendeley: ``client_data``; Zotero: a ``balintbib:`` line of ``extra``)
and restored on the way back, so a round trip through a group loses nothing.
"""

from __future__ import annotations

from ..model import Reference


def losses(ref: Reference, back: Reference, remote: str) -> dict:
    """The stash for ``ref`` given ``back``, what the service's JSON reads back as
    (its annotation and remote ids already carried over): links to other remotes,
    a type the service lacks, every field whose content or expression did not come
    back as written (``[content, is_expression, what came back]``), and fields the
    mapping invented (``absent``).  Empty when the round trip is exact."""
    stash: dict = {}
    others = {k: v for k, v in ref.remote_ids.items() if k != remote}
    if others:
        stash["remote_ids"] = others
    if back.type != ref.type:
        stash["type"] = [ref.type, back.type]
    fields = {}
    for name, content in ref.fields.items():
        if back.fields.get(name) != content or (name in ref.expressions) != (name in back.expressions):
            fields[name] = [content, name in ref.expressions, back.fields.get(name)]
    if fields:
        stash["fields"] = fields
    absent = {name: back.fields[name] for name in back.fields if name not in ref.fields}
    if absent:
        stash["absent"] = absent
    return stash


def restore(ref: Reference, stash: dict) -> None:
    """Put back what the service could not hold (a `losses` stash), unless the service's value changed since.

    Each stashed item remembers the value the service's data produced when it was
    stashed; when someone edits that field in the group, the edit wins.
    """
    kind = stash.get("type")
    if kind and ref.type == kind[1]:
        ref.type = kind[0]
    for name, derived in (stash.get("absent") or {}).items():
        if ref.fields.get(name) == derived:
            ref.fields.pop(name, None)
            ref.expressions.discard(name)
    for name, (content, is_expr, derived) in (stash.get("fields") or {}).items():
        if ref.fields.get(name) != derived:
            continue
        ref.fields[name] = content
        if is_expr:
            ref.expressions.add(name)
        else:
            ref.expressions.discard(name)
