"""The library's tag vocabulary: counts, the closest tag to a typo, renames and merges.

Tags compare without regard to case ("Empathy" is "empathy"); the spelling
shown is the one the library uses most (the first seen on a tie).
"""

from __future__ import annotations

from collections import Counter
from typing import Iterable

from .errors import BalintError
from .model import Reference


class TagError(BalintError):
    """A tag that is not where the user said it is."""


def vocabulary(refs: Iterable[Reference]) -> dict[str, int]:
    """``{tag: number of references}``, sorted by tag (case ignored)."""
    spellings: dict[str, Counter] = {}
    counts: Counter = Counter()
    for ref in refs:
        for tag in dict.fromkeys(ref.tags):
            fold = tag.casefold()
            spellings.setdefault(fold, Counter())[tag] += 1
            counts[fold] += 1
    out = {}
    for fold in sorted(counts):
        out[spellings[fold].most_common(1)[0][0]] = counts[fold]
    return out


def known(tag: str, vocab: Iterable[str]) -> str | None:
    """The vocabulary's spelling of `tag`, or None if the library does not use it."""
    fold = tag.casefold()
    return next((t for t in vocab if t.casefold() == fold), None)


def closest(tag: str, vocab: Iterable[str]) -> str | None:
    """The existing tag a mistyped one most likely means (None when none is close)."""
    from rapidfuzz import process
    from rapidfuzz.fuzz import WRatio

    names = list(vocab)
    if not names:
        return None
    match = process.extractOne(tag.casefold(), names, scorer=WRatio, processor=str.casefold, score_cutoff=60)
    return match[0] if match else None


def retag(refs: Iterable[Reference], old: str, new: str) -> list[Reference]:
    """Replace tag `old` by `new` on every reference that has it (keeping its place,
    dropping a repeat when the reference already has `new`); the references changed."""
    fold = old.casefold()
    changed = []
    for ref in refs:
        tags = ref.tags
        if not any(t.casefold() == fold for t in tags):
            continue
        new_tags: list[str] = []
        for t in tags:
            t = new if t.casefold() == fold else t
            if t.casefold() not in {x.casefold() for x in new_tags}:
                new_tags.append(t)
        ref.tags = new_tags
        changed.append(ref)
    return changed


def rename(refs: list[Reference], old: str, new: str) -> list[Reference]:
    """Rename tag `old` to `new` across the library; `new` must not be a tag yet
    (that is a merge) unless it differs from `old` only in case."""
    vocab = vocabulary(refs)
    spelled = known(old, vocab)
    if spelled is None:
        raise TagError(_unknown(old, vocab))
    if not new.strip():
        raise TagError("the new tag name is empty")
    existing = known(new, vocab)
    if existing is not None and existing.casefold() != old.casefold():
        raise TagError(f"{existing!r} is already a tag ({vocab[existing]} reference(s)); "
                       f"to put {spelled!r} into it use: balintbib tags merge {spelled!r} {existing!r}")
    return retag(refs, spelled, new.strip())


def merge(refs: list[Reference], source: str, target: str) -> list[Reference]:
    """Fold tag `source` into the existing tag `target` across the library."""
    vocab = vocabulary(refs)
    a, b = known(source, vocab), known(target, vocab)
    if a is None:
        raise TagError(_unknown(source, vocab))
    if b is None:
        raise TagError(_unknown(target, vocab) + f" (to rename {a!r} use: balintbib tags rename)")
    if a.casefold() == b.casefold():
        raise TagError(f"{a!r} and {b!r} are the same tag")
    return retag(refs, a, b)


def _unknown(tag: str, vocab: dict[str, int]) -> str:
    near = closest(tag, vocab)
    return f"no reference has the tag {tag!r}" + (f"; did you mean {near!r}?" if near else "")
