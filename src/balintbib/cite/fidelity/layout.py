"""Layout (CSL 1.0.2 "Layout", "Group", "Delimiter", "Whitespace"): cs:layout
for citations and bibliographies, and cs:group with its suppression rule.
cs:text is in :mod:`.text`, cs:choose in :mod:`.choose`; the passes over a
rendered entry (punctuation, quotes, apostrophes) are in :mod:`.punctuation`."""

from __future__ import annotations

from citeproc import model as m
from citeproc.source import VariableError
from citeproc.string import String, join

from ..markup import CLOSE, OPEN, wrap
from .punctuation import decorated, seal_after_decorated
from .formatting import DisplayMixin, NS, climb_kept_space
from .state import RENDER_STATE, VAR_CALLS, children
from .disambiguation import _capitalize_first_term, _collapse_numbers, _collapse_years, _group_cites
from .sorting import cite_authorstrings, uses_grouped_sort
from .choose import If


_DISPLAY_KINDS = ("block", "left-margin", "right-inline", "indent")


class Group(DisplayMixin, m.Group):
    def process(self, item, context=None, **kwargs):
        """CSL 1.0.2 "Group": the group is suppressed when at least one of its
        rendering elements calls a variable and every called variable is
        empty; the test looks at what was actually rendered, through
        ``cs:choose`` branches and macros (citeproc-py looks at every branch:
        APA "(Publication)" for a thesis; fixtures ``group_*``)."""
        calls, hits = VAR_CALLS["calls"], VAR_CALLS["hits"]
        printed = RENDER_STATE.get("entry_printed")
        delimiter = self.__dict__.get("_group_delimiter")
        if delimiter is None:  # (speed: read once)
            delimiter = self._group_delimiter = self.get("delimiter", "")
        output = []
        formatted = []  # whether each printed child is formatted (citeproc-js: decorated)
        for child, choose in children(self):
            try:
                if choose:
                    text = child.render(item, context=context, delimiter=delimiter, **kwargs)
                else:
                    text = child.render(item, context=context, **kwargs)
            except VariableError:
                continue
            if text is not None and (text != "" if isinstance(text, str) else str(text) != ""):
                if formatted and formatted[-1] and not delimiter:
                    # the next child's prefix after a formatted child
                    output[-1] = seal_after_decorated(output[-1], str(text), False)
                output.append(text)
                formatted.append(not choose and child.get("quotes") != "true" and decorated(child))
        if delimiter and any(formatted[:-1]):
            output = [seal_after_decorated(text, delimiter, True) if flag else text
                      for text, flag in zip(output[:-1], formatted)] + output[-1:]
        called = VAR_CALLS["calls"] - calls
        rendered = VAR_CALLS["hits"] - hits
        # a nested group is one unit to its parent (citeproc-js): rendered, it
        # counts as a variable that printed, even if it printed only terms
        # (IEEE "[Online]. Available: …"); suppressed, as an empty variable
        # (NLM "Located at", APA "(Original work published)")
        VAR_CALLS["calls"], VAR_CALLS["hits"] = calls, hits
        if output and (called == 0 or rendered > 0):
            VAR_CALLS["calls"] += 1
            VAR_CALLS["hits"] += 1
            if type(self).join is not m.Delimited.join:
                return climb_kept_space(self, self.join(output))
            try:  # citeproc-py's Delimited.join, with the delimiter read once (speed)
                return climb_kept_space(self, join(output, delimiter))
            except Exception:  # noqa: BLE001 - as citeproc-py's
                return String("")
        if called and self._calls_directly():
            VAR_CALLS["calls"] += 1
        RENDER_STATE["entry_printed"] = printed  # a suppressed group printed nothing
        raise VariableError

    def _calls_directly(self) -> bool:
        """Whether this group calls a variable itself (a child, or a child of
        its cs:choose), not only through macros. Suppressed, a group whose
        variables are all behind macros does not count as an empty variable
        to its parent: citeproc-js prints NLM's "In" of a chapter with no
        container ("In. p. 191-5")."""
        found = self.__dict__.get("_direct")
        if found is None:
            found = self._direct = bool(self.xpath(
                "./cs:*[@variable]|./cs:choose/*/cs:*[@variable]|./cs:choose/*/cs:group", namespaces=NS)) \
                or bool(self.xpath("./cs:group", namespaces=NS))
        return found


class Layout(DisplayMixin, m.Layout):
    def render_bibliography(self, citation_items):
        """``second-field-align`` (CSL 1.0.2 "Whitespace"): the first field goes
        into a left-margin block, the rest into a right-inline block (citeproc-js
        markup; plain text gets one space). Each entry starts with a fresh
        suppression list."""
        bibliography = self.getparent()
        align = bibliography.get("second-field-align")
        output = []
        try:
            for item in citation_items:
                self.repressed = {}
                self._rendered_vars = set()
                self._first_names_done = False
                RENDER_STATE.update(item=item, suffix_done=False, entry_printed=False,
                                    entry_start=VAR_CALLS["hits"])
                if align:
                    text = self._render_aligned(item)
                elif self._uses_display():
                    text = self._render_display_entry(item)
                    text = self.format(text) if text is not None else None
                else:
                    text = climb_kept_space(self, self.render_children(item))
                    text = self.format(self._wrap_entry(text)) if text is not None else None
                output.append(text)
        finally:
            RENDER_STATE["entry_start"] = None  # citations and sort keys: not an entry
        return output

    def _wrap_entry(self, text):
        """The layout's affixes around a bibliography entry."""
        return self.wrap(text)

    def _uses_display(self) -> bool:
        """Whether citeproc-js renders this bibliography layout in its
        ``display`` mode: the layout's first element has a ``display``
        attribute (citeproc-js sets its ``using_display`` flag only for the
        first rendering element of the bibliography's layout; a block further
        down, or inside a group, leaves the layout suffix at the end)."""
        found = self.__dict__.get("_display_mode")
        if found is None:
            first = next((child for child in self.iterchildren() if isinstance(child.tag, str)), None)
            found = self._display_mode = first is not None and first.get("display") in _DISPLAY_KINDS
        return found

    def _top_elements(self) -> frozenset:
        """The layout's top-level rendering elements: its children and, through
        ``cs:choose``, the children of its branches (a choose adds no level)."""
        found = self.__dict__.get("_tops")
        if found is None:
            out, todo = set(), [self]
            while todo:
                for child in todo.pop().iterchildren():
                    if not isinstance(child.tag, str):
                        continue
                    if isinstance(child, m.Choose):
                        todo.extend(branch for branch in child.iterchildren() if isinstance(branch.tag, str))
                    else:
                        out.add(child)
            found = self._tops = frozenset(out)
        return found

    def _render_display_entry(self, item):
        """A bibliography entry whose layout starts with a ``display``
        element: citeproc-js gives the layout suffix to the entry's LAST
        top-level piece, in place of that piece's own suffix; when that piece
        is a ``display`` element, the suffix goes inside its block, after the
        element's own suffix. CSL 1.0.2 says nothing of a layout suffix with
        display blocks; the result is what citeproc-js prints
        (``bugreports_SmallCapsEscape``: "…Here</span>.</div>";
        latin-american-perspectives, no layout suffix, the last group's "."
        dropped: "Smith\n2005 “A title.” Journal" where ". " joins the parts;
        Fishery Bulletin: the entry ends with the last piece's text, its
        suffix replaced by the layout's "."). The layout prefix goes on the
        first piece, inside its block when it is one."""
        RENDER_STATE.update(item=item, suffix_done=False)
        self.repressed = {}
        self._rendered_vars = set()
        suffix = self.get("suffix", "")
        alternatives = {}
        RENDER_STATE["suffix_swap"] = (self._top_elements(), suffix, alternatives)
        try:
            pieces = self._display_pieces(self, item, [])
        finally:
            RENDER_STATE["suffix_swap"] = None
        if not any(str(text) for _, text in pieces):
            return None
        element, last = pieces[-1]
        body = str(last)
        close = max((body.rfind(CLOSE[kind]) for kind in _DISPLAY_KINDS), default=-1) \
            if element.get("display") in _DISPLAY_KINDS else -1
        if close >= 0:
            last = String(body[:close] + suffix + body[close:])
        elif not body:
            pass  # an empty macro call: the suffix is lost with it
        elif element in alternatives:
            last = alternatives[element]
        last = climb_kept_space(self, last)
        text = str(join([piece for _, piece in pieces[:-1]] + [last], ""))
        prefix = self.get("prefix", "")
        if prefix and pieces[0][0].get("display") in _DISPLAY_KINDS:
            # the layout prefix goes on the first piece, inside its block
            opened = next((len(OPEN[kind]) for kind in _DISPLAY_KINDS if text.startswith(OPEN[kind])), 0)
            return String(text[:opened] + prefix + text[opened:])
        return String(prefix + text)

    def _display_pieces(self, parent, item, pieces):
        """(element, text) for each top-level element that printed, in order,
        going through the ``cs:choose`` branch that holds."""
        for child in parent.iterchildren():
            if not isinstance(child.tag, str):
                continue
            if isinstance(child, m.Choose):
                for branch in child.iterchildren():
                    if isinstance(branch.tag, str) and (
                            not isinstance(branch, If) or branch.holds(item)):
                        self._display_pieces(branch, item, pieces)
                        break
                continue
            try:
                text = child.render(item)
            except VariableError:
                text = None
            if text is not None and str(text) != "":
                pieces.append((child, text))
            elif child.get("macro") is not None:
                # a macro call that prints nothing still takes the layout
                # suffix (citeproc-js keeps its empty group: Fishery Bulletin
                # "TUGboat 10:153–156" ends without the layout's ".")
                pieces.append((child, String("")))
        return pieces

    def _render_aligned(self, item):
        parts = []
        for child in self.iterchildren():
            try:
                if isinstance(child, m.Choose):
                    rendered = child.render(item, delimiter="")
                else:
                    rendered = child.render(item)
            except VariableError:
                continue
            if rendered is not None and str(rendered) != "":
                parts.append(rendered)
        if not parts:
            return None
        first, rest = parts[0], parts[1:]
        body = join(rest, self.get("delimiter", "")) if rest else String("")
        prefix, suffix = self.get("prefix", ""), self.get("suffix", "")
        # without a layout suffix, the right-inline block ends without the
        # space of a last ". " affix (citeproc-js trims the entry's end;
        # fixtures variables_ContainerTitleShort*); before a suffix it stays
        # (The Lancet "operator. .")
        if str(body):
            body = String(str(body) if suffix else str(body).rstrip(" ")) + suffix
        return self.format(String(prefix) + wrap("left-margin", first) + wrap("right-inline", body))

    def render_citation(self, citation, callback):
        """A citation cluster, with CSL 1.0.2 "Citation-specific options":
        cite grouping and collapsing (``collapse="citation-number"``, ``year``,
        ``year-suffix``, ``year-suffix-ranged``; ``cite-group-delimiter``,
        ``year-suffix-delimiter``, ``after-collapse-delimiter``; fixtures
        ``collapse_*``, "(Aalto 2000a, b; Banda 1999)")."""
        good = [cite for cite in citation.cites if not cite.is_bad()]
        bad = [cite for cite in citation.cites if cite.is_bad()]
        owner = self.getparent()
        sort = owner.find("cs:sort", NS)
        if sort is not None:  # ties keep the cluster's order
            names = cite_authorstrings(self, good) if len(good) > 1 \
                and RENDER_STATE.get("grouped_sort", True) and uses_grouped_sort(owner) else None
            good = sort.sort(good, self, authorstrings=names)
        pieces = []
        collect = RENDER_STATE["shown_names"]
        for cite in good:
            RENDER_STATE["first_names"] = None
            if collect is not None:
                collect[cite.key] = []  # the names this cite shows, for disambiguation
            RENDER_STATE["first_term"] = None
            RENDER_STATE["cite_mode"] = cite.get("mode")
            RENDER_STATE["author_suppressed"] = False
            try:
                output = climb_kept_space(self, self.render_children(cite))
            except VariableError:
                output = None
            finally:
                RENDER_STATE["cite_mode"] = None
            if output is not None and cite.get("mode") == "author-only":
                output = _author_only(output)
            if output is None:
                continue
            if RENDER_STATE["first_term"]:
                output = _capitalize_first_term(output, cite, self.get_root(), not pieces)
            text = cite.get("prefix", "") + output + cite.get("suffix", "")
            pieces.append((cite, String(str(text)), RENDER_STATE["first_names"]))
            owner.cites.append(cite)
        delimiter = self.get("delimiter", "")
        collapse = owner.get("collapse")
        if collapse == "citation-number":
            text = _collapse_numbers(pieces, delimiter, owner)
        elif collapse in ("year", "year-suffix", "year-suffix-ranged"):
            text = _collapse_years(pieces, delimiter, owner, collapse)
        else:
            if owner.get("cite-group-delimiter") is not None and len(pieces) > 1:
                pieces = _group_cites(pieces, owner.get("cite-group-delimiter"))
            text = String("")
            for index, (cite, piece_text, _) in enumerate(pieces):
                # a cite prefix starting with punctuation replaces the delimiter
                # (citeproc-js; magic_SuppressLayoutDelimiterIfPrefixComma)
                if index and not str(cite.get("prefix", "")).startswith((",", ";", ":", ".")):
                    text = String(str(text) + delimiter)
                text = String(str(text) + str(piece_text))
        for cite in bad:
            value = callback(cite)
            text = join([text, String(value or "{}?".format(cite.key))], delimiter) \
                if str(text) else String(value or "{}?".format(cite.key))
        if good and all(cite.get("mode") == "author-only" for cite in good):
            return self.format(text)  # names in running text: no layout affixes
        return self.format(self.wrap(text))

    def render_children(self, item, **kwargs):
        RENDER_STATE.update(item=item, suffix_done=False, namesets=0)
        self.repressed = {}
        self._rendered_vars = set()
        return super().render_children(item, **kwargs)


def _author_only(output):
    """A cite marked ``author-only`` (citeproc-js's cite flag, the name part
    of pandoc's ``@key`` in text): only the first name list the cite
    rendered, or what substituted for it; the whole cite when it renders no
    names (a numeric style prints its number)."""
    names = RENDER_STATE.get("first_names")
    return String(names) if names else output
