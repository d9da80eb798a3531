"""Bringing new references into the library (``import``, ``add``, the TUI's Add dialog).

Pure planning, then one write:

1. every incoming reference is normalized with the library's own settings
   (``balintbib.toml`` ``[normalize]``: the same rules ``normalize`` applies);
2. it is matched against the library (and against the earlier references of
   the same import) by DOI, PMID, or the fuzzy title rule of `dedupe`; a
   duplicate is not added, it is reported with the existing keys it matches
   (``merge_duplicates`` fills the existing entry's missing fields instead,
   never overwriting a librarian's value);
3. the rest get keys in the library's key pattern, avoiding every key and
   alias in use, and the society's tags given with ``--tag``;
4. `apply` adds them and saves the library: only the main file changes, in
   one atomic write, the new entries in key order as ``normalize`` sorts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .latex import text_to_latex
from .library import Library
from .model import Reference, split_list
from .normalize.dedupe import Matcher
from .normalize.keys import KeyPattern, _suffixes
from .normalize.options import NormalizeOptions, find_config, load_options
from .normalize.rules import RuleContext, apply_rules


@dataclass
class Incoming:
    """One reference on its way in, with where it came from (``file:line``, ``doi:...``)."""

    ref: Reference
    source: str
    matches: list[str] = field(default_factory=list)  # keys of the entries it duplicates
    earlier: str = ""  # where the earlier record of this import it repeats came from ("" if none)
    reason: str = ""
    filled: list[str] = field(default_factory=list)  # fields a merge would fill / filled

    @property
    def duplicate(self) -> bool:
        return bool(self.matches)

    def to_json(self) -> dict:
        out = {"key": self.ref.key, "source": self.source, "type": self.ref.type, "title": self.ref.title,
               "year": self.ref.year}
        if self.matches:
            out["duplicate_of"] = self.matches
            out["reason"] = self.reason
            if self.earlier:
                out["repeats"] = self.earlier
        if self.filled:
            out["filled"] = self.filled
        return out


@dataclass
class Plan:
    new: list[Incoming] = field(default_factory=list)
    duplicates: list[Incoming] = field(default_factory=list)
    merges: dict[str, dict[str, str]] = field(default_factory=dict)  # existing key -> fields to fill


def library_options(library: Library) -> NormalizeOptions:
    """The library's normalize settings (``balintbib.toml`` next to it), defaults otherwise."""
    start = library.root or (Path(library.files[0].path) if library.files else Path("."))
    return load_options(find_config(Path(start)))[0]


def prepare(ref: Reference, options: NormalizeOptions, ctx: RuleContext | None = None) -> Reference:
    """The reference as ``normalize`` would write it (fields only; the key comes later)."""
    ref = ref.copy()
    apply_rules(ref, ctx or RuleContext(options))
    return ref


def plan(library: Library, incoming: list[Incoming], tags: list[str] | None = None,
         merge_duplicates: bool = False, options: NormalizeOptions | None = None) -> Plan:
    options = options or library_options(library)
    matcher = Matcher(list(library.references), library.macros)
    pattern = KeyPattern(options.key_pattern)
    taken: set[str] = set()
    for ref in library.references:
        taken.add(ref.key.lower())
        aliases = ref.fields.get("ids")
        if aliases:
            taken.update(a.strip().lower() for a in aliases.split(",") if a.strip())
    result = Plan()
    sources: dict[int, str] = {}  # id(ref) -> source, for incoming refs added to the matcher
    ctx = RuleContext(options)
    for item in incoming:
        item.ref = prepare(item.ref, options, ctx)
        if tags:
            item.ref.tags = split_list(item.ref.fields.get("keywords", "")) + list(tags)
        found, reason = matcher.match(item.ref)
        if found:
            item.matches = [r.key for r in found]
            item.earlier = next((sources[id(r)] for r in found if id(r) in sources), "")
            item.reason = reason
            existing = found[0]
            if id(existing) not in sources:
                item.filled = [n for n in item.ref.fields if n not in existing.fields and n != "keywords"]
                if merge_duplicates and item.filled:
                    fills = result.merges.setdefault(existing.key, {})
                    for n in item.filled:
                        fills.setdefault(n, item.ref.fields[n])
                if merge_duplicates and tags:
                    have = split_list(existing.text("keywords"))
                    extra = [t for t in tags if t.casefold() not in {h.casefold() for h in have}]
                    if extra:
                        result.merges.setdefault(existing.key, {})["keywords"] = text_to_latex(", ".join(have + extra))
                        item.filled.append("keywords")
            result.duplicates.append(item)
            continue
        base = pattern.base(item.ref) or "entry"
        for suffix in _suffixes():
            if (base + suffix).lower() not in taken:
                break
        item.ref.key = base + suffix
        taken.add(item.ref.key.lower())
        matcher.add(item.ref, matcher.last_info)
        sources[id(item.ref)] = item.source
        result.new.append(item)
    return result


def apply(library: Library, plan_: Plan, reanchor: bool = True) -> list[str]:
    """Add the new references, fill the merges; save (atomically). Returns the files written.

    ``reanchor=False`` skips reading the library back after the write (the CLI exits after it)."""
    if not plan_.new and not plan_.merges:
        return []
    by_key = {r.key: r for r in library.references}
    for key, fills in plan_.merges.items():
        ref = by_key[key]
        for name, value in fills.items():
            if name == "keywords" or name not in ref.fields:
                ref.fields[name] = value
    for item in plan_.new:
        library.add(item.ref)
    library.insert_sorted = True
    return library.save(reanchor=reanchor)


def gather(text: str, lookup=None) -> tuple[list[Incoming], list[str]]:
    """What the TUI's Add dialog was given: a file path (imported by content), or
    identifiers separated by spaces or commas (looked up with `lookup`, a
    `balintbib.lookup.Lookup`).  Returns the incoming references and one line per problem."""
    from .errors import BalintError
    from .formats import sources

    text = text.strip()
    incoming: list[Incoming] = []
    problems: list[str] = []
    path = Path(text).expanduser()
    if text and path.is_file():
        try:
            result = sources.read_file(path)
        except BalintError as exc:
            return [], [str(exc)]
        problems.extend(str(p) for p in result.problems)
        incoming.extend(Incoming(r, f"{path}:{line}") for r, line in zip(result.references, result.lines))
        return incoming, problems
    from .lookup import Lookup, LookupSettings, identify

    lookup = lookup or Lookup(LookupSettings.load())
    for ident in [t for t in text.replace(",", " ").split() if t]:
        try:
            kind, value = identify(ident)
            incoming.append(Incoming(lookup.reference(ident), f"{kind}:{value}"))
        except BalintError as exc:
            problems.append(str(exc))
    return incoming, problems
