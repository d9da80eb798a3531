"""Disambiguation of the whole bibliography (CSL 1.0.2 "Disambiguation"):
which cites print alike, then added names, added given names, the
``disambiguate`` condition and year suffixes, interleaved as citeproc-js does.
The element-level pieces (names shown per cite, cite collapsing) are in
:mod:`balintbib.cite.fidelity.disambiguation` and ``fidelity/names.py``."""

from __future__ import annotations

from citeproc import Citation
from citeproc.string import String

from . import fidelity, markup, parallel
from .prepare import _CiteItem


class Disambiguation:
    """Disambiguation of an engine's bibliography (mixed into
    :class:`balintbib.cite.engine.CitationEngine`)."""

    def _cite_text(self, bib, item) -> str:
        citation = Citation([_CiteItem(item.key)])
        citation.bibliography = bib
        return markup.strip_markers(str(self.style.render_citation(citation, [], lambda _: None)))

    def _collisions(self, bib, items, texts: dict) -> list[list]:
        """Groups of items whose citations print the same. `texts` caches each
        item's citation; callers refresh the items whose options they change."""
        missing = [item for item in items if item.key not in texts]
        workers = parallel.workers(len(missing))
        if workers > 1:
            size = -(-len(missing) // workers)
            chunks = [(start, min(start + size, len(missing))) for start in range(0, len(missing), size)]
            shown = fidelity.RENDER_STATE["shown_names"]
            found = parallel.in_forks(lambda a, b: [
                (self._cite_text(bib, item), shown.get(item.key) if shown is not None else None)
                for item in missing[a:b]], chunks)
            texts.update((item.key, text) for item, (text, _) in zip(missing, found))
            if shown is not None:  # the names each cite shows, for name disambiguation
                shown.update((item.key, names or []) for item, (_, names) in zip(missing, found))
        groups: dict[str, list] = {}
        for item in items:
            if item.key not in texts:
                texts[item.key] = self._cite_text(bib, item)
            groups.setdefault(texts[item.key], []).append(item)
        return [members for members in groups.values() if len(members) > 1]

    def _refresh(self, bib, items, texts: dict) -> None:
        for item in items:
            texts[item.key] = self._cite_text(bib, item)

    def _add_names_and_givennames(self, bib, groups, add_names: bool, add_given: bool, texts,
                                  rule: str = "by-cite"):
        """Steps 1-2 of CSL 1.0.2 disambiguation, interleaved as citeproc-js
        does: for n = 1, 2, … shown names, the ambiguous names of the cites
        that still clash gain initials or given names (only those names: a
        person cited alike everywhere stays as is). An item keeps the state in
        which its set of clashing cites last shrank: items no change separates
        at all keep their base form, items separated from some but not all
        others keep the step that separated them (fixtures
        ``disambiguate_AndreaEg*``, ``*BaseNameCountOnFailure*``,
        ``YearSuffixAtTwoLevels``, ``ByCite*``)."""
        overrides = fidelity.RENDER_STATE["add_names"]
        given = fidelity.RENDER_STATE["givenname"]
        unresolved = False
        for members in groups:
            most = max(len(item.reference.get("author") or item.reference.get("editor") or [])
                       for item in members)

            def clash_of(item):
                return frozenset(o.key for o in members if texts[o.key] == texts[item.key])

            clash = {item.key: clash_of(item) for item in members}
            best = {item.key: (overrides.get(item.key), dict(given.get(item.key) or {}))
                    for item in members}
            pending = list(members)
            for count in range(1, max(most, 1) + 1):
                if count > 1 and add_names:
                    for item in pending:
                        overrides[item.key] = count
                    self._refresh(bib, pending, texts)
                elif count > 1:
                    break
                if add_given:
                    changed = self._expand_given(
                        [item for item in pending if len(clash_of(item)) > 1], texts, rule)
                    self._refresh(bib, changed, texts)
                still = []
                for item in pending:
                    now = clash_of(item)
                    if len(now) < len(clash[item.key]):
                        clash[item.key] = now
                        best[item.key] = (overrides.get(item.key), dict(given.get(item.key) or {}))
                    if len(now) > 1:
                        still.append(item)
                pending = still
                if not pending:
                    break
            for item in pending:
                count, levels = best[item.key]
                if count is None:
                    overrides.pop(item.key, None)
                else:
                    overrides[item.key] = count
                if levels:
                    given[item.key] = levels
                else:
                    given.pop(item.key, None)
            if pending:
                self._refresh(bib, pending, texts)
                unresolved = True
        return self._collisions(bib, bib.items, texts) if unresolved else []

    def _expand_given(self, items, texts, rule: str) -> list:
        """Give the ambiguous names of clashing cites their initials or given
        names: a name is ambiguous when a cite printing the same shows another
        person whose name prints alike. Returns the items changed."""
        shown = fidelity.RENDER_STATE["shown_names"]
        given = fidelity.RENDER_STATE["givenname"]
        max_level = 1 if rule.endswith("-with-initials") else 2
        changed = []
        for item in items:
            others = [entry for other in items if other is not item
                      and texts[other.key] == texts[item.key] for entry in shown.get(other.key, ())
                      if not (entry[4] and rule.startswith("primary-name"))]
            levels = given.get(item.key) or {}
            before = dict(levels)
            for name, form, init_with, initialize, index in shown.get(item.key, ()):
                if index and rule.startswith("primary-name"):
                    continue
                who = fidelity.person_id(name)
                base = fidelity.name_key(name, levels.get(who, 0), form, init_with, initialize)
                rivals = [(o[0], o[1:4]) for o in others if fidelity.person_id(o[0]) != who
                          and fidelity.name_key(o[0], 0, *o[1:4]) == base]
                if rivals:
                    level = fidelity.given_level(name, (form, init_with, initialize), rivals,
                                                 max_level)
                    if level > levels.get(who, 0):
                        levels[who] = level
            if levels != before:
                given[item.key] = levels
                changed.append(item)
        return changed

    def _disambiguate_names_globally(self, bib, rule: str) -> list:
        """``givenname-disambiguation-rule`` ``all-names*`` / ``primary-name*``
        (CSL 1.0.2): every printed name that prints like another person's gets
        initials (or the full given name), in every cite, ambiguous or not;
        the ``primary-name`` rules only touch the first name of a cite, the
        ``-with-initials`` rules stop at initials (fixtures
        ``disambiguate_AllNames*``, ``PrimaryName*``, ``ToInitialOnly``).
        Returns the items changed."""
        shown = fidelity.RENDER_STATE["shown_names"]
        given = fidelity.RENDER_STATE["givenname"]
        max_level = 1 if rule.endswith("-with-initials") else 2
        by_print: dict[tuple, dict] = {}
        for entries in shown.values():
            for name, form, init_with, initialize, index in entries:
                if index and rule.startswith("primary-name"):
                    continue  # primary names are compared among themselves (APA)
                key = fidelity.name_key(name, 0, form, init_with, initialize)
                by_print.setdefault(key, {})[fidelity.person_id(name)] = (
                    name, (form, init_with, initialize))
        changed = []
        for item in bib.items:
            levels = {}
            for name, form, init_with, initialize, index in shown.get(item.key, ()):
                if index and rule.startswith("primary-name"):
                    continue
                who = fidelity.person_id(name)
                alike = by_print.get(fidelity.name_key(name, 0, form, init_with, initialize), {})
                rivals = [entry for person, entry in alike.items() if person != who]
                if rivals:
                    level = fidelity.given_level(name, (form, init_with, initialize), rivals,
                                                 max_level, partial=True)
                    if level:
                        levels[who] = max(level, levels.get(who, 0))
            if levels:
                given[item.key] = levels
                changed.append(item)
        return changed

    def _uses_disambiguate_condition(self) -> bool:
        if not hasattr(self, "_uses_disambiguate"):
            self._uses_disambiguate = bool(self.style.root.xpath(
                ".//cs:if[@disambiguate]|.//cs:else-if[@disambiguate]", namespaces=fidelity.NS))
        return self._uses_disambiguate

    def _disambiguate(self, bib) -> None:
        """Disambiguation (CSL 1.0.2 "Disambiguation"): items whose citations
        print identically first get more names (``disambiguate-add-names``,
        kept in the bibliography as citeproc-js does), then year suffixes a,
        b, c… in bibliography order (``disambiguate-add-year-suffix``;
        fixtures ``disambiguate_*``; APA "2018a/2018b", MLA "Kjeldmand, Dorte,
        Inger Holmström, et al.")."""
        fidelity.RENDER_STATE["add_names"] = {}
        fidelity.RENDER_STATE["disambiguate"] = set()
        fidelity.RENDER_STATE["givenname"] = {}
        citation = self.style.root.find("cs:citation", fidelity.NS)
        if citation is None or not any(
                citation.get(option) == "true" for option in (
                    "disambiguate-add-names", "disambiguate-add-givenname",
                    "disambiguate-add-year-suffix")) and not self._uses_disambiguate_condition():
            return
        texts: dict[str, str] = {}
        fidelity.RENDER_STATE["shown_names"] = {} \
            if citation.get("disambiguate-add-givenname") == "true" else None
        try:
            groups = self._collisions(bib, bib.items, texts)
        except Exception:  # a style that cannot cite: nothing to disambiguate
            return
        add_names = citation.get("disambiguate-add-names") == "true"
        add_given = citation.get("disambiguate-add-givenname") == "true"
        rule = citation.get("givenname-disambiguation-rule", "by-cite")
        if add_given and rule != "by-cite":
            changed = self._disambiguate_names_globally(bib, rule)
            if changed:
                self._refresh(bib, changed, texts)
                groups = self._collisions(bib, bib.items, texts)
        if add_names or add_given:
            groups = self._add_names_and_givennames(bib, groups, add_names, add_given, texts,
                                                    rule)
        fidelity.RENDER_STATE["shown_names"] = None
        if groups and self._uses_disambiguate_condition():
            flagged = fidelity.RENDER_STATE["disambiguate"]
            for members in groups:
                flagged.update(item.key for item in members)
                self._refresh(bib, members, texts)
            groups = self._collisions(bib, bib.items, texts)
        if not self.year_suffix:
            return
        for members in groups:
            if len(members) < 2:
                continue
            for index, item in enumerate(members):
                item.reference["year_suffix"] = String(_suffix(index))


def _suffix(index: int) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = letters[rem] + out
    return out
