"""Citation keys for references new from the group.  Pure."""

from __future__ import annotations

import re
import unicodedata

from .merge import Snapshot, to_reference

_STOP = frozenset("a an the of on in and for to with from at by is are la le les de der die das el".split())


def _ascii(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return re.sub(r"[^a-z0-9]", "", text.encode("ascii", "ignore").decode().lower())


def key_base(family: str, year: str, title: str) -> str:
    """``familyYEARword``: the first author's family name, the year, the first
    significant word of the title (ASCII, lower case)."""
    family = _ascii(family)
    words = [w for w in (_ascii(w) for w in title.split()) if w and w not in _STOP]
    word = words[0] if words else ""
    base = (family or (words[0] if words else "ref")) + _ascii(year)[:4] + (word if family else "")
    return base or "ref"


def make_key(snap: Snapshot, taken: set[str], base: str = "") -> str:
    """A unique key: `base` (or `key_base` of the reference), then a, b, c..."""
    if not base:
        ref = to_reference("_", snap)
        people = ref.authors or ref.editors
        base = key_base((people[0].family or people[0].literal) if people else "", ref.year, ref.title)
    key, n = base, 0
    while key.lower() in taken:
        n += 1
        key = base + _suffix(n)
    taken.add(key.lower())
    return key


def _suffix(n: int) -> str:
    out = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        out = chr(97 + r) + out
    return out


KEY_OK = re.compile(r"^[A-Za-z0-9_:.\-+/]{1,80}$")
