"""cs:choose, cs:if, cs:else-if (CSL 1.0.2 "Choose"): the conditions,
tested without exceptions for the branches not taken."""

from __future__ import annotations

import re

from citeproc import model as m

from .formatting import NS
from .state import RENDER_STATE, children
from .positions import positions


_CONDITIONS = ("type", "variable", "is-numeric", "is-uncertain-date", "locator", "position",
               "disambiguate")


class Choose(m.Choose):
    def render(self, item, context=None, delimiter="", **kwargs):
        """citeproc-py's: the first branch whose condition holds, over the
        remembered children; our conditions are tested without raising
        ``ConditionFailed`` for each branch not taken (speed)."""
        branches = self.__dict__.get("_branches")
        if branches is None:
            branches = self._branches = tuple(
                (child, isinstance(child, If) and type(child).render is If.render)
                for child, _ in children(self))
        for child, condition in branches:
            if condition:
                if child.holds(item, context):
                    return child.render_children(item, context=context, delimiter=delimiter,
                                                 **kwargs)
                continue
            try:
                return child.render(item, context=context, delimiter=delimiter, **kwargs)
            except m.ConditionFailed:
                continue
        return None


class If(m.If):
    def render(self, item, context=None, delimiter="", **kwargs):
        """Conditions (CSL 1.0.2 "Choose"), adding ``disambiguate="true"``:
        true only for items the disambiguation step flagged (citeproc-py
        ignored it, so the condition always held: MLA printed titles in every
        citation; fixtures ``disambiguate_*``, ``condition_*``)."""
        if not self.holds(item, context):
            raise m.ConditionFailed
        return self.render_children(item, context=context, delimiter=delimiter, **kwargs)

    def holds(self, item, context=None) -> bool:
        """Whether the condition holds for the item (:meth:`render`)."""
        tests, match = self.__dict__.get("_tests") or self._compile_tests()
        results = []
        for test in tests:
            if test == "type":
                results += self._type(item)
            elif test == "variable":
                results += self._variable(item)
            elif test == "is-numeric":
                results += self._is_numeric(item)
            elif test == "is-uncertain-date":
                results += self._is_uncertain_date(item)
            elif test == "locator":
                results += self._locator(item)
            elif test == "position":
                results += self._position(item, context)
            else:
                flagged = getattr(item, "key", None) in RENDER_STATE["disambiguate"]
                results.append(flagged == (self.get("disambiguate") == "true"))
        if match == "any":
            return any(results)
        if match == "none":
            return not any(results)
        return all(results)

    def _compile_tests(self):
        """Speed: the condition's tests (in the order they are evaluated) and
        its ``match``, read from the element once."""
        attrib = self.attrib
        self._tests = found = (tuple(test for test in _CONDITIONS if test in attrib),
                               self.get("match", "all"))
        return found

    def _position(self, item, context):
        """``position`` (CSL 1.0.2 "Choose") with note numbers and locators
        compared by value (:func:`.positions.positions`); always false in
        the bibliography."""
        if context is None:
            context = self
        owner = context.get_layout().getparent()
        if owner.tag != f"{{{NS['cs']}}}citation":
            return [False]
        return positions(item, owner.cites, self.get("position").split(),
                         int(owner.get("near-note-distance", "5")))

    def _type(self, item):
        """One test for the whole ``type`` attribute: the item is ANY of its
        types.  Styles write ``type="book thesis report"`` without
        ``match="any"`` and mean "one of these"; citeproc-js reads the values
        of ``type`` that way whatever ``match`` says (citeproc-py required an
        item to be all of them at once, so 73 official styles left out
        entries that citeproc-js prints: Chicago notes, New Hart's Rules,
        Oxford notes, MHRA, wikipedia-fr-templates...)."""
        memo = self.__dict__.get("_types")
        if memo is None:
            memo = self._types = frozenset(self.get("type").lower().split())
        return [dict.get(item.reference, "type") in memo]

    def _is_numeric(self, item):
        """``is-numeric`` also for the cite's ``locator`` (CSL 1.0.2 "Choose":
        any number variable, and the locator is one); citeproc-py looked for
        it in the reference only, so APA printed "(2014, 3)" for chapter 3
        where citeproc-js prints "(2014, Chapter 3)"; a locator range is
        numeric as in citeproc-js: "(1964, Chapters 3–5)", and so is a roman
        numeral: "(1964, Chapter iv)")."""
        out = []
        from .numbers import is_numeric_value
        for variable in self.get("is-numeric").split():
            if variable == "locator":
                value = item.get("locator") if isinstance(item, dict) else None
                if value is not None and hasattr(value, "identifier"):
                    value = value.identifier
                # a range or list of numbers is numeric too ("3-5": APA "Chapters
                # 3–5"), and so is a roman numeral ("Chapter iv")
                out.append(value is not None and (is_numeric_value(str(value)) or bool(
                    re.fullmatch(r"[ivxlcdm]+(?:\s*[-\u2013]\s*[ivxlcdm]+)?", str(value).strip(), re.I))))
            else:
                key = variable.replace("-", "_")
                out.append(key in item.reference and is_numeric_value(item.reference[key]))
        return out

    def _variable(self, item):
        names = self.__dict__.get("_variables")
        if names is None:  # (speed: the names split once)
            names = self._variables = tuple((variable, variable.replace("-", "_"))
                                            for variable in self.get("variable").split())
        out = []
        for variable, key in names:
            if variable == "locator":
                out.append("locator" in item)
            elif variable == "year-suffix":
                out.append(bool(item.reference.get("year_suffix")))
            elif variable == "page-first":
                out.append(bool(_page_first(item.reference)))
            else:
                value = item.reference.get(key)
                out.append(value is not None and str(value) != "" if not isinstance(value, list)
                           else bool(value))
        return out


class Else_If(If):
    pass


def _page_first(reference) -> str:
    """``page-first`` as citeproc-js sets it when it reads an item: the first
    part of ``page`` when there is one (before "&", ", ", "-" or "–"),
    whatever ``page-first`` says; so ``<if variable="page-first">`` holds for
    any item with pages (azr-…-rechtsquellen "TUGboat 9, 261" where "TUGboat
    9/3" was printed)."""
    page = dict.get(reference, "page")
    if page:
        first = re.split(r"\s*(?:&|, |-|\u2013)\s*", str(page))[0]
        return str(page) if first.endswith("\\") else first
    return str(dict.get(reference, "page_first") or "")
