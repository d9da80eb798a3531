"""Sorting (CSL 1.0.2 "Sorting"): sort keys from variables and macros, name
and date keys, numeric macros, and the collation citeproc-js uses."""

from __future__ import annotations

import re
import unicodedata

from citeproc import model as m
from citeproc.source import DateRange, LiteralDate, VariableError

from .formatting import NS
from .state import MemoMixin, RENDER_STATE
from .names import render_name_list


def collation_key(value: str):
    """Unicode-aware sort key: accents and case matter only to break ties,
    like the ICU collation citeproc-js uses (``Šapić`` between S and T, not
    after Z; ``sort_*``)."""
    from ..markup import strip_markers
    text = strip_markers(value)
    text = text.replace("\u2019", "'").strip()
    text = re.sub(r"^[\"'“”‘’\[\(]+", "", text)
    decomposed = unicodedata.normalize("NFKD", text)
    base = "".join(c for c in decomposed if not unicodedata.combining(c))
    primary = re.sub(r"[^\w\s]", "", base.casefold())
    return (primary, base.casefold(), text)


class Sort(m.Sort):
    def sort(self, items, context):
        """Stable multi-key sort where empty keys go last in both directions
        (CSL 1.0.2 "Sorting"), strings by :func:`collation_key`, numbers and
        dates numerically."""
        keys = self.findall("cs:key", NS)
        return _sort_by_keys(list(items), keys, context)


def _sort_by_keys(items, keys, context):
    """Items sorted by the first key, ties by the next ones (stable, empty
    values last). Speed: a key is rendered only for the items still tied on
    the keys before it (a single item needs none), not for every item."""
    if len(items) < 2 or not keys:
        return items
    key, rest = keys[0], keys[1:]
    spread = RENDER_STATE.get("spread")  # the engine may spread long lists over processes
    values = spread(lambda part: key.sort_keys(part, context), items) if spread \
        else key.sort_keys(items, context)
    present = [i for i in range(len(items)) if values[i] is not None and values[i] != ""]
    missing = [i for i in range(len(items)) if values[i] is None or values[i] == ""]
    present.sort(key=lambda i: values[i], reverse=key.get("sort", "ascending") == "descending")
    out, run = [], []
    for i in present:
        if run and values[run[-1]] != values[i]:
            out += _sort_by_keys([items[j] for j in run], rest, context)
            run = []
        run.append(i)
    out += _sort_by_keys([items[j] for j in run], rest, context)
    return out + _sort_by_keys([items[j] for j in missing], rest, context)


def _empty(value) -> bool:
    """A missing sort value. (``value in (None, "")`` compared a date range
    with ``==``, which citeproc-py's DateRange refuses with
    NotImplementedError: ``format --style apa`` on an entry with a date
    range, corpus file biber/dateformats.bib.)"""
    return value is None or (isinstance(value, str) and value == "")


class Key(m.Key):
    def sort_keys(self, items, context):
        """Sort keys per CSL 1.0.2 "Sorting": name variables as sort-order name
        lists with particles demoted unless ``demote-non-dropping-particle`` is
        ``never``; dates as zero-padded Y-M-D; numbers as integers; macros
        rendered with names in sort order and the key's ``names-*`` overrides."""
        if "variable" in self.attrib:
            variable = self.get("variable")
            attr = variable.replace("-", "_")
            keys = []
            for item in items:
                ref = item.reference
                if variable == "citation-number":
                    keys.append((item.number,))
                    continue
                if attr not in ref or _empty(ref[attr]):
                    keys.append(None)
                    continue
                value = ref[attr]
                if attr in m.NAMES:
                    text = render_name_list(None, value, self, item,
                                            sort_options={"name-as-sort-order": "all",
                                                          "and": None, "form": "long",
                                                          "et-al-min": None,
                                                          "initialize-with": None,
                                                          "delimiter": "; ",
                                                          "sort-separator": ", "})
                    keys.append(collation_key(str(text)) if text else None)
                elif attr in m.DATES:
                    keys.append(_date_key(value))
                elif attr in m.NUMBERS:
                    match = re.search(r"\d+", str(value))
                    keys.append((0, int(match.group()), str(value)) if match else (1, 0, str(value)))
                else:
                    keys.append(collation_key(str(value)))
            return keys
        macro = self.get_macro(self.get("macro"))
        layout = context.get_layout()
        # names in sort keys: sort order, no "and" term, no delimiters (the
        # collation ignores punctuation): "Parker Stephen D" < "Parker Stephen"
        sort_options = {"name-as-sort-order": "all", "and": None, "delimiter": " ",
                        "delimiter-precedes-last": "never"}
        for option in ("names-min", "names-use-first", "names-use-last"):
            if option in self.attrib:
                sort_options[option.replace("names", "et-al")] = self.get(option)
        keys = []
        for item in items:
            layout.repressed = {}
            layout._rendered_vars = set()
            dates = _macro_date_only(macro)
            if dates:
                keys.append(_macro_date_key(dates, item))
                continue
            text = macro.render(item, context=context, sort_options=sort_options)
            if text is None or str(text) == "":
                keys.append(None)
            elif _macro_is_numeric(macro):
                s = str(text)
                match = re.search(r"\d+", s)
                keys.append((0, int(match.group()), s) if match else collation_key(s))
            else:
                keys.append(collation_key(str(text)))
        return keys


def _date_key(value):
    if isinstance(value, DateRange):
        begin = _date_key(value.begin)
        return begin + (_date_key(value.end) if value.get("end") else ())
    if isinstance(value, LiteralDate):
        return (99999, 0, 0)
    try:
        return (int(value.year), int(value.get("month", 0) or 0), int(value.get("day", 0) or 0))
    except (TypeError, ValueError, VariableError):
        return None


def _macro_date_only(macro):
    """If a sort macro only renders date variables, sort on the dates themselves
    (citeproc-js compares dates numerically, not as rendered text)."""
    memo = macro._memo("date_only") if isinstance(macro, MemoMixin) else {}
    if macro.get("name") not in memo:
        memo[macro.get("name")] = _macro_date_only_uncached(macro)
    return memo[macro.get("name")]


def _macro_date_only_uncached(macro):
    texts = macro.xpath(".//cs:text[@variable]|.//cs:names|.//cs:number|.//cs:label", namespaces=NS)
    dates = macro.xpath(".//cs:date/@variable", namespaces=NS)
    if dates and not texts and not macro.xpath(".//cs:text[@macro]", namespaces=NS):
        return list(dict.fromkeys(dates))
    return None


def _macro_date_key(variables, item):
    for variable in variables:
        value = item.reference.get(variable.replace("-", "_"))
        if value:
            return _date_key(value)
    return None


def _macro_is_numeric(macro):
    memo = macro._memo("is_numeric") if isinstance(macro, MemoMixin) else {}
    name = macro.get("name")
    if name not in memo:
        memo[name] = _macro_is_numeric_uncached(macro)
    return memo[name]


def _macro_is_numeric_uncached(macro):
    return bool(macro.xpath(".//cs:number|.//cs:text[@variable='citation-number']", namespaces=NS)) \
        and not macro.xpath(".//cs:names|.//cs:text[@variable='title']", namespaces=NS)
