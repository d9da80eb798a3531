"""Names (CSL 1.0.2 "Names", "Name", "Et-al", "Name Options"): name lists,
et-al, name options inherited from style/citation/bibliography, the names
an entry compares for subsequent-author-substitute. One name's parts
(initials, particles, order) are in :mod:`.name_parts`; ``cs:substitute``
and what it records in :mod:`.substitution`."""

from __future__ import annotations

import re

from citeproc import model as m
from citeproc.source import VariableError
from citeproc.string import String, join

from .formatting import CSL_NS, DisplayMixin, NS, TextCaseMixin
from .name_parts import _render_one_name, particle_space
from .state import RENDER_STATE, VariableCallMixin, _attr, _record_rendered, _suppressed
from .substitution import names_data_key


class Name_Part(TextCaseMixin, m.Name_Part):
    pass


class Names(VariableCallMixin, DisplayMixin, m.Names):
    def process(self, item, names_context=None, context=None, **kwargs):
        """Name lists of several variables, each with its label; the
        ``cs:names`` delimiter between them; suppression of substituted
        variables; ``editortranslator`` when both lists are equal; the first
        name list of a bibliography entry is compared with the previous entry's
        for ``subsequent-author-substitute`` (CSL 1.0.2 "Names", "Substitute",
        "Reference Grouping")."""
        if context is None:
            context = self
        names_parent = kwargs.pop("names_parent", None)
        if names_context is None:
            names_context = self
            if names_parent is not None and self.find("cs:name", NS) is None:
                names_context = names_parent  # CSL 1.0.2: a bare cs:names in cs:substitute
        if names_parent is None and not kwargs.get("sort_options"):
            RENDER_STATE["names_data"] = []
        suppressed = _suppressed(context)
        roles = [r for r in self.get("variable", "").split() if r not in suppressed]
        ref = item.reference
        present = [r for r in roles if r.replace("-", "_") in ref and ref[r.replace("-", "_")]]
        if ({"editor", "translator"} <= set(present)
                and _same_names(ref["editor"], ref["translator"])
                and str(self.get_single_term("editortranslator") or "") != ""):
            present = [r for r in present if r != "translator"]
            ed_trans = True
        else:
            ed_trans = False

        name_elem, label_elem, label_first = _name_and_label(names_context)
        outputs = []
        labels = []
        count = 0
        blank = False
        for role in present:
            names = ref[role.replace("-", "_")]
            if name_elem is None:
                rendered = render_name_list(None, names, context, item, **kwargs)
            else:
                rendered = name_elem.render_list(names, context, item, **kwargs)
                if (rendered is not None and not isinstance(rendered, int)
                        and kwargs.get("sort_options")):
                    # sort keys: the affixes around the whole list, as before
                    rendered = name_elem.wrap(name_elem.format(rendered))
            if isinstance(rendered, int):
                count += rendered
                continue
            if rendered is None:
                blank = blank or _all_blank(names)
                continue
            if label_elem is not None and not kwargs.get("sort_options"):
                label_role = "editortranslator" if ed_trans and role == "editor" else role
                label = label_elem.render(item, label_role, len(names) > 1, context=context)
                if label:
                    labels.append((label, label_first))
                    rendered = label + rendered if label_first else rendered + label
            outputs.append(rendered)
            _record_rendered(context, role)
            if RENDER_STATE.get("substituting"):
                # inside cs:substitute a rendered name variable is suppressed at
                # once, even later in the same macro (substitute_SuppressOrdinaryVariable)
                try:
                    layout = context.get_layout()
                    layout.repressed.setdefault("__vars__", set()).add(role)
                except (IndexError, AttributeError):
                    pass
        if count:
            return String(str(count))
        if outputs:
            delimiter = self.get("delimiter", None)
            if delimiter is None:
                delimiter = self.get_parent_delimiter(context)
            text = join(outputs, delimiter)
            if RENDER_STATE.get("first_names") is None and not kwargs.get("sort_options"):
                RENDER_STATE["first_names"] = str(self.wrap(self.format(text)))
                if _suppress_author(kwargs):
                    RENDER_STATE["author_suppressed"] = True
                    return String("")
            return self._subsequent_author(text, context, kwargs,
                                           labels[0] if len(outputs) == 1 and labels else None)
        if blank:
            RENDER_STATE["blank_names"] = True
            return String("")
        substitute = self.substitute()
        if substitute is not None:
            first = RENDER_STATE.get("first_names") is None
            text = substitute.render(item, context=context, names_parent=self, **kwargs)
            if text is not None:
                if first and _suppress_author(kwargs):
                    if RENDER_STATE.get("first_names") in (None, ""):
                        RENDER_STATE["first_names"] = str(self.wrap(self.format(text)))
                    return String("")
                return self._subsequent_author(text, context, kwargs)
        raise VariableError

    def _subsequent_author(self, text, context, kwargs, label=None):
        """``subsequent-author-substitute`` (rule ``complete-all``/``complete-each``):
        the first name list of an entry is replaced when the names it shows
        are the previous entry's, compared as data as citeproc-js compares them
        (:func:`names_data_key`): "Smith, John" and "Smith, J." both print
        "Smith, J." with initials but are different people, so neither is
        replaced; a title printed in place of the names compares as written.
        The label stays ("———, ed."). Fixtures ``sort_*SubsequentAuthor*``;
        MHRA "———" gap."""
        if kwargs.get("sort_options"):
            return text
        try:
            layout = context.get_layout()
        except (IndexError, AttributeError):
            return text
        bibliography = layout.getparent()
        if bibliography.tag != f"{{{CSL_NS}}}bibliography" or _attr(layout, "_first_names_done", True):
            return text
        layout._first_names_done = True
        previous = _attr(bibliography, "_previous_names", None)
        core = names_data_key(RENDER_STATE.get("names_data"))
        if not core:
            return text  # citeproc-js: nothing to compare, the previous key stays
        bibliography._previous_names = core
        substitute = bibliography.get("subsequent-author-substitute")
        if substitute is None or previous != core:
            return text
        if label is not None:
            term, first = label
            return term + String(substitute) if first else String(substitute) + term
        return String(substitute)

    def markup(self, text):
        if text is None or str(text) == "":
            return None
        return self.wrap(self.format(text))


def _name_and_label(names_context):
    """The ``cs:name`` and ``cs:label`` of a ``cs:names``, and whether the
    label comes first; remembered per element (speed)."""
    found = names_context.__dict__.get("_name_and_label")
    if found is None:
        name_elem = names_context.find("cs:name", NS)
        label_elem = names_context.find("cs:label", NS)
        children = list(names_context)
        label_first = (label_elem is not None and name_elem is not None
                       and children.index(label_elem) < children.index(name_elem))
        found = names_context._name_and_label = (name_elem, label_elem, label_first)
    return found


def _suppress_author(kwargs) -> bool:
    """A cite marked ``suppress-author`` (citeproc-js's cite flag, pandoc's
    ``[-@key]``): the first name list the cite renders, or what substitutes
    for it, prints nothing; the rest of the cite renders as usual ("(2004,
    p. 12)"). The names are still recorded for ``author-only``."""
    return RENDER_STATE.get("cite_mode") == "suppress-author" and not kwargs.get("sort_options")


def _all_blank(names) -> bool:
    """A name list whose names are all empty (``[{"family": ""}]``, ``[{}]``:
    what a BibTeX converter leaves for an empty author) is still there for
    citeproc-js: it prints nothing and ``cs:substitute`` does not replace it,
    so an APA entry starts with the date: "(2009a). A closer look. TUGboat",
    not "A closer look. (2009)."."""
    return bool(names) and all(not str(name.get("literal", "x")) for name in names)


def _same_names(a, b) -> bool:
    return [dict(x) for x in a] == [dict(x) for x in b]


class Name(DisplayMixin, m.Name):
    def render_list(self, names, context, item, sort_options=None, **kwargs):
        return render_name_list(self, names, context, item, sort_options=sort_options)

    def process(self, item, variable, context=None, sort_options=None, **kwargs):
        names = item.reference.get(variable.replace("-", "_"), [])
        return render_name_list(self, names, context, item, sort_options=sort_options)


_OPTION_DEFAULTS = {
    "and": None, "delimiter-precedes-et-al": "contextual",
    "delimiter-precedes-last": "contextual", "et-al-min": None, "et-al-use-first": None,
    "et-al-use-last": "false", "initialize": "true", "initialize-with": None,
    "name-as-sort-order": None, "sort-separator": ", ", "form": "long", "delimiter": ", ",
    "initialize-with-hyphen": "true", "demote-non-dropping-particle": "display-and-sort",
}


def _owner(element):
    """The cs:citation or cs:bibliography an element belongs to (None inside
    a macro); remembered per element (speed: asked for every name option)."""
    memo = element.__dict__
    if "_owner" not in memo:
        memo["_owner"] = _owner_uncached(element)
    return memo["_owner"]


def _owner_uncached(element):
    node = element
    while node is not None:
        if node.tag in (f"{{{CSL_NS}}}citation", f"{{{CSL_NS}}}bibliography"):
            return node
        parent = node.getparent()
        if parent is None:
            return None
        if node.tag == f"{{{CSL_NS}}}macro":
            return None
        node = parent
    return None


def _opt(name_elem, context, option, sort_options=None):
    if sort_options and option in sort_options:
        return sort_options[option]
    # speed: the answer depends on the style alone, remembered per element and context
    memo = (name_elem if name_elem is not None else context).__dict__.setdefault("_opts", {})
    found = memo.get((option, context), _UNKNOWN)
    if found is _UNKNOWN:
        found = memo[(option, context)] = _opt_uncached(name_elem, context, option)
    return found


_UNKNOWN = object()


def _opt_uncached(name_elem, context, option):
    if name_elem is not None and option in name_elem.attrib:
        return name_elem.get(option)
    owner = _owner(context) if context is not None else None
    if owner is None and name_elem is not None:
        owner = _owner(name_elem)
    inherited = {"form": "name-form", "delimiter": "name-delimiter"}.get(option, option)
    if owner is not None and inherited in owner.attrib:
        return owner.get(inherited)
    root = (name_elem if name_elem is not None else context).getroottree().getroot()
    if inherited in root.attrib:
        return root.get(inherited)
    return _OPTION_DEFAULTS.get(option)


def _subsequent_cite(item, context) -> bool:
    """Whether a name list is rendered for a cite of an item cited before
    (CSL 1.0.2 "Name": ``et-al-subsequent-min`` and
    ``et-al-subsequent-use-first`` replace ``et-al-min`` and
    ``et-al-use-first`` for subsequent cites: "John Doe, Jane Roe, Katie
    Harper, Emmanuel Clutterbuck", then "John Doe et al."; fixture
    ``bugreports_EtAlSubsequent``)."""
    owner = _owner(context) if context is not None else None
    if owner is None or item is None or owner.tag != f"{{{CSL_NS}}}citation":
        return False
    if "et-al-subsequent-min" not in owner.attrib and "et-al-subsequent-use-first" not in owner.attrib:
        return False
    preset = dict.get(item, "preset") if isinstance(item, dict) else None
    if preset is not None and preset[0] is not None:
        return int(preset[0]) >= 1  # a position the caller gave (citeproc-js)
    cites = getattr(owner, "cites", None) or ()
    key = getattr(item, "key", None)
    return any(cite.key == key for cite in cites)


def _added_names(item, sort_options):
    """The names ``disambiguate-add-names`` gave this item, for the name list
    being rendered now: only the first name list an entry or cite renders
    gets them. citeproc-js keeps one count per name list in rendering order
    and disambiguates on what the citation shows (MLA: the author), so in
    the bibliography the author list is expanded and the editors of the
    container keep their et-al ("Kopp, Oliver, Frank Leymann, Tobias Unger,
    et al. ... edited by Daniel Eichhorn et al."). A sort key takes none."""
    if sort_options is not None or item is None:
        return None
    index = RENDER_STATE.get("namesets", 0)
    RENDER_STATE["namesets"] = index + 1
    return RENDER_STATE["add_names"].get(getattr(item, "key", None)) if index == 0 else None


def render_name_list(name_elem, names, context, item, sort_options=None):
    """Render one variable's name list (CSL 1.0.2 "Name": et-al rules, "and",
    delimiters, name order, particles, suffixes, initials, ``form``)."""
    def opt(name):
        return _opt(name_elem, context, name, sort_options)

    form = opt("form")
    and_ = opt("and")
    delimiter = opt("delimiter")
    try:
        et_al_min = int(opt("et-al-min") or 0)
        et_al_use_first = int(opt("et-al-use-first") or 0)
        if sort_options is None and _subsequent_cite(item, context):
            et_al_min = int(opt("et-al-subsequent-min") or et_al_min)
            et_al_use_first = int(opt("et-al-subsequent-use-first") or et_al_use_first)
    except ValueError:
        et_al_min = et_al_use_first = 0
    et_al_use_last = str(opt("et-al-use-last")).lower() == "true"
    dp_et_al = opt("delimiter-precedes-et-al")
    dp_last = opt("delimiter-precedes-last")
    nso = opt("name-as-sort-order")
    sort_sep = opt("sort-separator")
    init_with = opt("initialize-with")
    initialize = str(opt("initialize")).lower() != "false"
    hyphen = str(_opt(None, context if context is not None else name_elem,
                      "initialize-with-hyphen") if name_elem is None else
                 _opt(name_elem, context, "initialize-with-hyphen")).lower() != "false"
    root = (name_elem if name_elem is not None else context).getroottree().getroot()
    demote = root.get("demote-non-dropping-particle", "display-and-sort")
    particle_sep = particle_space(root)

    names = list(names)
    total = len(names)
    truncated = bool(et_al_min and et_al_use_first and total >= et_al_min and total > et_al_use_first)
    if truncated and et_al_use_last and et_al_use_first > et_al_min - 2 >= 1:
        # citeproc-js shows at most et-al-min - 2 names before the ellipsis, so that
        # the ellipsis always stands for two names or more (multilingual-matters,
        # et-al-min 7, use-first 6: five names of eight, "…, Heilmann, M., … Christiansen, S.H.")
        et_al_use_first = et_al_min - 2
    extra = _added_names(item, sort_options)
    if truncated and extra and extra > et_al_use_first and sort_options is None:
        et_al_use_first = extra  # disambiguate-add-names (CSL 1.0.2 "Disambiguation", step 1)
        truncated = total > extra
    shown = names[:et_al_use_first] if truncated else names
    if form == "count":
        return len(shown)
    if not shown:
        return None

    name_parts = {}
    if name_elem is not None:
        for part in name_elem.findall("cs:name-part", NS):
            name_parts[part.get("name")] = part

    def fmt_part(kind, text):
        part = name_parts.get(kind)
        if part is None or not text:
            return text
        return str(part.wrap(part.format(part.case(String(text)))))

    levels = RENDER_STATE["givenname"].get(getattr(item, "key", None)) \
        if sort_options is None and item is not None else None
    collect = RENDER_STATE.get("shown_names") if sort_options is None and item is not None \
        else None
    if collect is not None:
        collect.setdefault(item.key, []).extend(
            (name, form, init_with, initialize, index) for index, name in enumerate(shown))
        full = RENDER_STATE.get("names_full")
        if full is not None:  # every name of each list, for disambiguation by position
            full.setdefault(item.key, []).append(names)
    per_name = name_elem is not None and sort_options is None
    data = RENDER_STATE.get("names_data") if sort_options is None else None
    if data is not None:
        data.extend("".join(str(name.get(part) or "") for part in _NAME_PARTS) for name in shown)
    rendered = []
    inverted_flags = []
    for index, name in enumerate(shown):
        inverted = (nso == "all" or (nso == "first" and index == 0)) and "literal" not in name
        level = levels.get(person_id(name)) if levels else None
        text = _render_one_name(name, "long" if level and form == "short" else form, inverted,
                                sort_sep, full_given_name(init_with, level), initialize, hyphen,
                                demote, fmt_part, sort_options is not None, particle_sep)
        if text:
            rendered.append(affix_each_name(name_elem, name, text) if per_name else text)
            inverted_flags.append(inverted)
    if not rendered:
        return None

    def use_delimiter(rule, count_before):
        if rule == "always":
            return True
        if rule == "never":
            return False
        if rule == "after-inverted-name":
            return inverted_flags[count_before - 1] if count_before else False
        return count_before >= 2  # contextual

    if truncated:
        if et_al_use_last and et_al_use_first <= et_al_min - 2 and total > et_al_use_first + 1:
            last = _render_one_name(names[-1], form, nso == "all", sort_sep, init_with,
                                    initialize, hyphen, demote, fmt_part, sort_options is not None,
                                    particle_sep)
            if per_name:
                last = affix_each_name(name_elem, names[-1], last)
            return join(rendered, delimiter) + ellipsis_join(rendered, delimiter) + last
        et_al = _et_al(name_elem, context)
        text = join(rendered, delimiter)
        if not et_al or sort_options is not None:
            return wrap_et_al_list(name_elem, text) if per_name else text
        if use_delimiter(dp_et_al, len(rendered)):
            text = text + String(delimiter) + et_al
        else:
            text = text + String(_space_before_et_al(et_al)) + et_al
        return wrap_et_al_list(name_elem, text) if per_name else text
    if and_ and len(rendered) > 1:
        if "literal" in shown[-1]:
            # a literal last name is an institution for citeproc-js, joined with
            # the institution's own "and", which is always "contextual":
            # "Gosling, R., Roe, A., & others" but "Mittelbach, F. & the LaTeX
            # Project Team" even where the style says "always" (APA)
            dp_last = "contextual"
        term_source = name_elem if name_elem is not None else context
        term = term_source.get_single_term("and") if and_ == "text" else String("&")
        head = join(rendered[:-1], delimiter)
        if use_delimiter(dp_last, len(rendered) - 1):
            return head + String(delimiter) + String(str(term) + " ") + rendered[-1]
        return head + String(" " + str(term) + " ") + rendered[-1]
    return join(rendered, delimiter)


def full_given_name(init_with, level):
    """The ``initialize-with`` a name is rendered with at a disambiguation
    level: at level 2 (the full given name, CSL 1.0.2 "Disambiguation"
    step 2) citeproc-js prints the given name as written, initials not even
    punctuated: MLA "Liu, W, et al." for given "W" where level 1 prints
    "Liu, W., et al."; chicago-author-date "Wang, Z L."."""
    return None if level == 2 else init_with


def affix_each_name(name_elem, name, text):
    """The affixes and formatting of ``cs:name`` go around each personal name,
    as citeproc-js applies them (the CSL 1.0.2 text does not say; citeproc-py
    put them around the whole list): ``<name suffix="." initialize-with=""
    sort-separator=" "/>`` prints "Smith J., Doe J., and Roe R." where the
    list-wide reading gave "Smith J, Doe J, and Roe R."; literal
    (institutional) names get none ("{Smith} and WHO")."""
    if "literal" in name:
        return text
    return name_elem.wrap(name_elem.format(text))


def wrap_et_al_list(name_elem, text):
    """citeproc-js wraps a list shortened by et-al, with the et-al term, once
    more in the ``cs:name`` affixes and formatting, on top of each name's:
    ``<name prefix="{" suffix="}" .../>`` prints "{{J. Smith}, {J. Doe}, et
    al.}" (see ``affix_each_name``)."""
    return name_elem.wrap(name_elem.format(text))


def ellipsis_join(rendered, delimiter) -> String:
    """``et-al-use-last``: the ellipsis before the last name follows a
    delimiter only when two or more names precede it, as citeproc-js prints
    it: "B. A … H. G" but "B. A, D. C, … H. G" (CSL 1.0.2 "Name": "the
    delimiter, an ellipsis, and the last name" shows the longer case)."""
    return String((delimiter if len(rendered) > 1 else " ") + "\u2026 ")


_NAME_PARTS = ("non-dropping-particle", "family", "given", "dropping-particle", "suffix", "literal")


def person_id(name) -> tuple:
    """Who a name denotes, for name disambiguation: all its parts."""
    return tuple(str(name.get(k) or "") for k in (
        "family", "given", "non-dropping-particle", "dropping-particle", "suffix", "literal"))


_STARTS_ROMANESQUE = re.compile("^[&a-zA-Z\u00c0-\u017f\u0370-\u03ff\u0400-\u052f\u0590-\u05d4"
                                "\u05d6-\u05ff\u0600-\u06ff\u0e01-\u0e5b\u1f00-\u1fff]")


def _space_before_et_al(et_al) -> str:
    """The space between the last name and the et-al term (when no delimiter
    precedes it) is left out when the term does not start with a letter of a
    Latin, Greek, Cyrillic, Hebrew, Arabic or Thai script, as in citeproc-js:
    Chinese "张三等", a Polish style's term "[et al.]" gives "Zhang, Ye[et
    al.]" (biuletyn-polskiego-towarzystwa-jezykoznawczego)."""
    from ..markup import strip_markers
    return " " if _STARTS_ROMANESQUE.match(strip_markers(str(et_al))) else ""


def _et_al(name_elem, context):
    if name_elem is None:
        return (context.get_single_term("et-al") or None) if context is not None else None
    node = name_elem.getnext()
    while node is not None and not (isinstance(node.tag, str) and node.tag == f"{{{CSL_NS}}}et-al"):
        node = node.getnext()
    if node is not None:
        term = node.get("term", "et-al")
        text = node.get_single_term(term)
        return node.wrap(node.format(text)) if text else None
    text = name_elem.get_single_term("et-al")
    return text or None
