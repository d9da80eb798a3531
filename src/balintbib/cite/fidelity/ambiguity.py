"""One disambiguation run over a group of ambiguous cites, step by step as
citeproc-js takes it (CSL 1.0.2 "Disambiguation": add names, add given
names, add a year suffix, the ``disambiguate`` condition).

The specification says what each step may add; which cites get it, in a
bibliography of thousands of entries, depends on the order in which the
reference implementation tries them. citeproc-js (2.4.63) keeps *lists* of
cites that still print alike. Each list is scanned by comparing its first
cite with the others: the cites that still print like it (partners) and
those that no longer do (nonpartners). A cite that prints unlike all the
others is settled and keeps the options reached so far; a list whose clash
shrank is split in two (partners, then nonpartners, which are tried later
with the options already reached). Options only grow: the given name of the
current name first (initials, then the full given name, with
``givenname-disambiguation-rule="by-cite"``), then one more name, until the
names of the first cite of the group run out. Then the year suffix is given
to every cite of each list that still clashes, a, b, c… in bibliography
order: so "Lähnemann, Corfdir et al. 2016" and "Lähnemann, Den Hertog et al.
2016", split from a group of six but tried as one list, print 2016a–2016d,
while the two "Lähnemann, Flissikowski et al." print 2016a and 2016b.

The run is pure: it calls ``render(item, config)`` for the text of a cite
under some options (and the number of names it showed), and returns the
options each settled cite keeps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable


@dataclass
class Options:
    """What a cite adds to disambiguate: how many names it shows, the given
    name level of each shown name (0 as styled, 1 initials, 2 full), a year
    suffix (0 for "a") and the ``disambiguate`` condition."""

    names: int = 0
    givens: list[int] = field(default_factory=list)
    year_suffix: int | None = None
    disambiguate: bool = False

    def copy(self) -> "Options":
        return Options(self.names, list(self.givens), self.year_suffix, self.disambiguate)

    def pad(self) -> None:
        """A given-name level (0) for every shown name."""
        if len(self.givens) < self.names:
            self.givens.extend([0] * (self.names - len(self.givens)))


def _js_order_key(counts: list[int]) -> str:
    """citeproc-js orders a group by its cites' name counts compared as
    JavaScript compares two arrays with ``>``: as their comma-joined text
    ("10" before "9")."""
    return ",".join(str(n) for n in counts)


class AmbiguityRun:
    """One group of cites that print alike (citeproc-js's ``akey``).

    ``render(item, options) -> (text, shown)``: the cite's text under the
    options and the number of names of its first name list it shows.
    ``totals(item)``: the number of names in each name list the cite prints.
    ``item_id(item)``: the item's id (ties of the name counts are ordered by
    it, as text). ``bib_position(item)``: its place in the bibliography
    (year suffixes go in that order).
    """

    def __init__(self, render: Callable, totals: Callable, item_id: Callable,
                 bib_position: Callable, *, add_names: bool, givens: bool,
                 year_suffix: bool, condition: bool):
        self.render = render
        self.totals = totals
        self.item_id = item_id
        self.bib_position = bib_position
        self.add_names = add_names
        self.givens_max = 2 if givens else None
        self.modes = []
        if add_names or givens:
            self.modes.append("names")
        if year_suffix:
            self.modes.append("years")
        if condition:
            self.modes.append("extra")
        self.settled: dict = {}  # item key -> Options

    # -- the options, rendered

    def _cite(self, item) -> str:
        text, shown = self.render(item, self.base)
        if shown:
            # the rendering writes back the number of names it showed, and
            # pads the given-name levels to it (citeproc-js's disambig_settings)
            self.base.names = shown
            self.base.pad()
        return text

    def _settle(self, item, options: Options) -> None:
        self.settled[item.key] = options.copy()

    # -- the run

    def run(self, items: list, base: Options) -> dict:
        """Disambiguate `items` (in bibliography order), starting from the
        options of their plain cites; returns ``{item key: Options}`` for
        the cites the run settled (the others keep their plain cite)."""
        if len(items) < 2 or not self.modes:
            return {}
        self.base = base.copy()
        self.base.pad()
        self.better = self.base.copy()
        ordered = sorted(items, key=lambda it: (_js_order_key(self.totals(it)), str(self.item_id(it))))
        first_totals = self.totals(ordered[0])
        self.names_max = first_totals[0] if first_totals else 0
        self.lists: list[list] = [[self.better, ordered]]
        self.mode = 0
        self.init_givens = True
        while self.lists:
            self.gname = 0
            self.clashes = [1, 0]
            while self.lists[0][1]:
                maxed = self._increment()
                self._scan(self.lists[0])
                self._evaluate(maxed)
            self.lists = self.lists[1:]
        return self.settled

    def _increment(self) -> bool:
        """One step forward: the current name's given name one level up,
        else one more name. True when nothing more can be added."""
        if self.init_givens:
            self.init_givens = False
            return False
        mode = self.modes[self.mode]
        if mode == "extra":
            self.base.disambiguate = True
            self.better.disambiguate = True
            return False
        if mode != "names":
            return False
        more_names = self.givens_max is None
        if self.givens_max is not None:
            if self.base.givens and self.gname < len(self.base.givens) \
                    and self.base.givens[self.gname] < self.givens_max:
                self.base.givens[self.gname] += 1
            else:
                more_names = True
        if more_names and self.add_names and self.gname < self.names_max:
            self.base.names += 1
            self.gname += 1
        level_done = (self.givens_max is None or self.gname >= len(self.base.givens)
                      or self.base.givens[self.gname] == self.givens_max)
        return (not self.add_names or self.gname == self.names_max) and level_done

    def _scan(self, entry) -> None:
        items = entry[1]
        head = items[0]
        text = self._cite(head)
        self.partners, self.nonpartners = [head], []
        clashes = 0
        for other in items[1:]:
            if self._cite(other) == text:
                clashes += 1
                self.partners.append(other)
            else:
                self.nonpartners.append(other)
        self.clashes = [self.clashes[1], clashes]

    def _evaluate(self, maxed: bool) -> None:
        mode = self.modes[self.mode]
        if mode == "names":
            self._names(maxed)
        elif mode == "years":
            self._years()
        else:
            self._extra()
        if maxed:
            if self.mode < len(self.modes) - 1:
                self.mode += 1
            elif len(self.lists) > 1:  # (citeproc-js replaces the next list)
                self.lists[1] = [self.base, []]
            else:
                self.lists.append([self.base, []])

    def _capture(self) -> None:
        """An improvement: the step just taken is kept for settled cites."""
        if self.givens_max is not None and self.gname < len(self.base.givens):
            self.better.pad()
            while len(self.better.givens) <= self.gname:
                self.better.givens.append(0)
            self.better.givens[self.gname] = self.base.givens[self.gname]
        self.better.names = self.base.names

    def _names(self, maxed: bool) -> None:
        if self.clashes[1] == 0 and len(self.nonpartners) == 1:
            self._capture()
            self._settle(self.nonpartners[0], self.better)
            self._settle(self.partners[0], self.better)
            self.lists[0] = [self.better, []]
        elif self.clashes[1] == 0:
            self._capture()
            self._settle(self.partners[0], self.better)
            self.lists[0] = [self.better, self.nonpartners]
            if self.nonpartners:
                self.init_givens = True
        elif len(self.nonpartners) == 1:
            self._capture()
            self._settle(self.nonpartners[0], self.better)
            self.lists[0] = [self.better, self.partners]
        elif self.clashes[1] < self.clashes[0]:
            self._capture()
            self.lists[0] = [self.better, self.partners]
            self.lists.append([self.better, self.nonpartners])
        elif maxed:
            self.lists[0] = [self.better, self.nonpartners]
            self.lists.append([self.better, self.partners])
            if self.mode == len(self.modes) - 1:
                for item in self.partners:
                    self._settle(item, self.better)
                self.lists[0] = [self.better, []]

    def _years(self) -> None:
        """Every cite of the list gets a year suffix, in bibliography order,
        when its first cite still clashes with another."""
        options = self.lists[0][0]
        if self.clashes[1]:
            for index, item in enumerate(sorted(self.lists[0][1], key=self.bib_position)):
                options.year_suffix = index
                self._settle(item, options)
        self.lists[0] = [self.better, []]

    def _extra(self) -> None:
        """The ``disambiguate`` condition: the list's cites render with it."""
        options = self.lists[0][0].copy()
        options.disambiguate = True
        for item in self.lists[0][1]:
            self._settle(item, options)
        self.lists[0] = [self.better, []]
