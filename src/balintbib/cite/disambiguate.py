"""Disambiguation of the whole bibliography (CSL 1.0.2 "Disambiguation"):
which cites print alike, then given names by the global rule, then one
disambiguation run per group of ambiguous cites (added names, given names by
cite, year suffixes, the ``disambiguate`` condition) as citeproc-js takes it
(:mod:`balintbib.cite.fidelity.ambiguity`). The element-level pieces (names
shown per cite, cite collapsing) are in
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
        return markup.strip_markers(str(self._render_cite(citation, [], lambda _: None)))

    def _collisions(self, bib, items, texts: dict) -> list[list]:
        """Groups of items whose citations print the same. `texts` caches each
        item's citation; callers refresh the items whose options they change."""
        missing = [item for item in items if item.key not in texts]
        workers = parallel.workers(len(missing))
        if workers > 1:
            size = -(-len(missing) // workers)
            chunks = [(start, min(start + size, len(missing))) for start in range(0, len(missing), size)]
            shown = fidelity.RENDER_STATE["shown_names"]
            full = fidelity.RENDER_STATE["names_full"]
            found = parallel.in_forks(lambda a, b: [
                (self._cite_text(bib, item), shown.get(item.key) if shown is not None else None,
                 full.get(item.key) if full is not None else None)
                for item in missing[a:b]], chunks)
            texts.update((item.key, text) for item, (text, _, _) in zip(missing, found))
            if shown is not None:  # the names each cite shows, for name disambiguation
                shown.update((item.key, names or []) for item, (_, names, _) in zip(missing, found))
            if full is not None:  # and all the names of its name lists
                full.update((item.key, lists or []) for item, (_, _, lists) in zip(missing, found))
        groups: dict[str, list] = {}
        for item in items:
            if item.key not in texts:
                texts[item.key] = self._cite_text(bib, item)
            groups.setdefault(texts[item.key], []).append(item)
        return [members for members in groups.values() if len(members) > 1]

    def _refresh(self, bib, items, texts: dict) -> None:
        for item in items:
            texts[item.key] = self._cite_text(bib, item)

    def _disambiguate_names_globally(self, bib, rule: str) -> list:
        """``givenname-disambiguation-rule`` ``all-names*`` / ``primary-name*``
        (CSL 1.0.2): every printed name that prints like another person's gets
        initials (or the full given name), in every cite, ambiguous or not;
        the ``primary-name`` rules only touch the first name of a cite, the
        ``-with-initials`` rules stop at initials (fixtures
        ``disambiguate_AllNames*``, ``PrimaryName*``, ``ToInitialOnly``).
        Returns the items changed."""
        given = fidelity.RENDER_STATE["givenname"]
        max_level = 1 if rule.endswith("-with-initials") else 2
        by_print: dict[tuple, dict] = {}
        for key in [item.key for item in bib.items]:
            for name, form, init_with, initialize, index in _all_names(key):
                if index and rule.startswith("primary-name"):
                    continue  # primary names are compared among themselves (APA)
                key = fidelity.name_key(name, 0, form, init_with, initialize)
                by_print.setdefault(key, {})[fidelity.registered_person(name)] = (
                    name, (form, init_with, initialize))
        changed = []
        for item in bib.items:
            levels = {}
            for name, form, init_with, initialize, index in _all_names(item.key):
                if index and rule.startswith("primary-name"):
                    continue
                who = fidelity.person_id(name)
                alike = by_print.get(fidelity.name_key(name, 0, form, init_with, initialize), {})
                rivals = [entry for person, entry in alike.items()
                          if person != fidelity.registered_person(name)]
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

    def _disambiguate(self, bib, ids: dict | None = None) -> None:
        """Disambiguation (CSL 1.0.2 "Disambiguation"): given names by the
        global ``givenname-disambiguation-rule`` first, then each group of
        items whose citations print identically goes through one run of
        :class:`~balintbib.cite.fidelity.ambiguity.AmbiguityRun` (more names,
        given names by cite, year suffixes a, b, c… in bibliography order,
        the ``disambiguate`` condition), in the order citeproc-js takes them
        (fixtures ``disambiguate_*``; APA "2018a/2018b", MLA "Kjeldmand,
        Dorte, Inger Holmström, et al."). `ids` maps item keys to the
        caller's ids (citeproc-js orders a group by them)."""
        fidelity.RENDER_STATE["add_names"] = {}
        fidelity.RENDER_STATE["disambiguate"] = set()
        fidelity.RENDER_STATE["givenname"] = {}
        citation = self.style.root.find("cs:citation", fidelity.NS)
        condition = self._uses_disambiguate_condition()
        if citation is None or not any(
                citation.get(option) == "true" for option in (
                    "disambiguate-add-names", "disambiguate-add-givenname",
                    "disambiguate-add-year-suffix")) and not condition:
            return
        texts: dict[str, str] = {}
        add_names = citation.get("disambiguate-add-names") == "true"
        add_given = citation.get("disambiguate-add-givenname") == "true"
        rule = citation.get("givenname-disambiguation-rule", "by-cite")
        fidelity.RENDER_STATE["shown_names"] = {}
        fidelity.RENDER_STATE["names_full"] = {}
        try:
            try:
                groups = self._collisions(bib, bib.items, texts)
            except Exception:  # a style that cannot cite: nothing to disambiguate
                return
            if add_given and rule != "by-cite":
                # the groups stay those of the plain cites: citeproc-js files
                # an item's cite before its names count for the global rule,
                # so "Wu et al. 2016" by Jun, Yao and Zhao Wu are one group,
                # whose run adds names ("Wu, Jun, …, Jovana Colvin, et al.")
                self._disambiguate_names_globally(bib, rule)
            if groups:
                self._run_groups(bib, groups, ids or {}, add_names=add_names,
                                 givens=add_given and rule == "by-cite", condition=condition)
        finally:
            fidelity.RENDER_STATE["shown_names"] = None
            fidelity.RENDER_STATE["names_full"] = None

    def _bibliography_given_names(self, bib) -> None:
        """Given names in full where one entry names two people alike
        (:func:`~balintbib.cite.fidelity.disambiguation.same_initials_in_one_entry`):
        only for ``givenname-disambiguation-rule="by-cite"`` with
        ``disambiguate-add-givenname``, and only in the bibliography."""
        citation = self.style.root.find("cs:citation", fidelity.NS)
        if citation is None or citation.get("disambiguate-add-givenname") != "true" \
                or citation.get("givenname-disambiguation-rule", "by-cite") != "by-cite":
            return
        levels_of = fidelity.RENDER_STATE["givenname"]
        for item in bib.items:
            for variable in _NAME_VARIABLES:
                try:
                    names = item.reference.get(variable)
                except Exception:  # noqa: BLE001 - citeproc-py's missing variable
                    names = None
                if not names or len(names) < 2:
                    continue
                people = fidelity.same_initials_in_one_entry(names)
                if people:
                    levels = levels_of.setdefault(item.key, {})
                    for who in people:
                        levels[who] = 2

    def _run_groups(self, bib, groups, ids: dict, *, add_names: bool, givens: bool,
                    condition: bool) -> None:
        """Each group of ambiguous items through one disambiguation run; the
        options each settled item keeps are what its citation and its
        bibliography entry print."""
        from .fidelity.ambiguity import AmbiguityRun, Options
        state = fidelity.RENDER_STATE
        overrides, levels_of, flagged = state["add_names"], state["givenname"], state["disambiguate"]
        shown_of, full_of = state["shown_names"], state["names_full"]
        global_levels = {key: dict(levels) for key, levels in levels_of.items()}
        position = {item.key: index for index, item in enumerate(bib.items)}

        def apply(item, options: Options) -> None:
            key = item.key
            overrides[key] = options.names
            levels = dict(global_levels.get(key) or {})
            lists = full_of.get(key) or []
            for index, level in enumerate(options.givens):
                if level and lists and index < len(lists[0]):
                    who = fidelity.person_id(lists[0][index])
                    levels[who] = max(level, levels.get(who, 0))
            if levels:
                levels_of[key] = levels
            else:
                levels_of.pop(key, None)
            if options.disambiguate:
                flagged.add(key)
            else:
                flagged.discard(key)

        def first_list(key) -> int:
            count = 0
            for entry in shown_of.get(key) or ():
                if entry[4] == 0 and count:
                    break
                count += 1
            return count

        def render(item, options: Options):
            apply(item, options)
            shown_of[item.key] = []
            full_of[item.key] = []
            text = self._cite_text(bib, item)
            return text, first_list(item.key)

        def totals(item) -> list:
            lists = full_of.get(item.key)
            if lists is None:
                self._cite_text(bib, item)
                lists = full_of.get(item.key) or []
            return [len(names) for names in lists[:1]]

        run_args = dict(add_names=add_names, givens=givens, year_suffix=self.year_suffix,
                        condition=condition)
        for members in groups:
            base = Options(names=max(first_list(item.key) for item in members))
            run = AmbiguityRun(render, totals, lambda it: ids.get(it.key, it.key),
                               lambda it: position[it.key], **run_args)
            settled = run.run(members, base)
            for item in members:
                options = settled.get(item.key)
                if options is None:
                    overrides.pop(item.key, None)
                    if global_levels.get(item.key):
                        levels_of[item.key] = dict(global_levels[item.key])
                    else:
                        levels_of.pop(item.key, None)
                    flagged.discard(item.key)
                    continue
                apply(item, options)
                if options.year_suffix is not None:
                    item.reference["year_suffix"] = String(_suffix(options.year_suffix))


def _all_names(key) -> list:
    """Every name of the name lists an item's cite renders, shown or not
    (citeproc-js registers them all for the global given-name rules: "J.
    Jones" in a cite that adds names when another item has an "A. Jones";
    fixture ``disambiguate_AndreaEg2``), each with the name options of its
    list: ``(name, form, initialize-with, initialize, index)``."""
    shown = fidelity.RENDER_STATE["shown_names"].get(key) or []
    lists = (fidelity.RENDER_STATE["names_full"] or {}).get(key) or []
    segments: list[list] = []
    for entry in shown:
        if entry[4] == 0 or not segments:
            segments.append([])
        segments[-1].append(entry)
    out = []
    for segment, names in zip(segments, lists):
        _, form, init_with, initialize, _ = segment[0]
        out.extend((name, form, init_with, initialize, index) for index, name in enumerate(names))
    return out


_NAME_VARIABLES = ("author", "editor", "translator", "collection_editor", "composer",
                   "container_author", "director", "editorial_director", "illustrator",
                   "interviewer", "original_author", "recipient", "reviewed_author")


def _suffix(index: int) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = letters[rem] + out
    return out
