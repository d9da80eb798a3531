"""What `convert` makes sure of before it writes: every key once.

Two references with the same key (BibTeX compares keys without regard to
case) are both kept: each later one gets the first free ``KEY-2``,
``KEY-3``..., and every rename is reported.  (A CSL-JSON ``id`` that cannot be
a BibTeX key at all is refused when the item is read: `formats.csl_check`.)
"""

from __future__ import annotations

from .model import Reference


def unique_keys(refs: list[Reference]) -> list[tuple[str, str]]:
    """Give every reference a key of its own; returns ``(old, new)`` for each rename."""
    taken = {ref.key.lower() for ref in refs}
    seen: set[str] = set()
    renames = []
    for ref in refs:
        low = ref.key.lower()
        if low not in seen:
            seen.add(low)
            continue
        n = 2
        while f"{low}-{n}" in taken:
            n += 1
        new = f"{ref.key}-{n}"
        taken.add(new.lower())
        seen.add(new.lower())
        renames.append((ref.key, new))
        ref.key = new
    return renames
