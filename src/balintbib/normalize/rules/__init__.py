"""The normalizer's field rules: one small function each, in a registry by name.

A rule takes a `Reference` (fields as BibTeX content) and a `RuleContext`, and
changes fields in place.  Every rule is idempotent on its own, keeps the value
when it does not understand it, and never drops information: a value it
cannot improve stays exactly as written.  Rules run in `ORDER`;
``NormalizeOptions`` switches each one on or off by name (the file-level
rules ``keys`` and ``sort`` live in `keys.py` and `engine.py`).

One module per family: `base` (registry, context, verbatim fields), `whitespace`,
`values` (DOI, pages, months, ISSN, ISBN), `names`, `unicode`, `titles`.  Their
public names are re-exported here (``from balintbib.normalize.rules import ...``).
"""

from __future__ import annotations

# The families register their rules on import, in this order (the order `RULES` lists them);
# the names are re-exported for the rest of the code.
from ...model import Reference
from .base import (LIST_FIELDS, RULES, VERBATIM_FIELDS, NameFix, Rule, RuleContext, _literal, _VERBATIM,
                   is_verbatim, rule)
from .whitespace import _no_white_space_to_fix, fix_whitespace, squash
from .values import fix_doi, fix_isbn, fix_issn, fix_month, fix_pages
from .names import (_AND, CAPITALISED_PARTICLES, PARTICLE_FIX, SUFFIX_FIX, SUFFIXES, fix_names,
                    looks_like_initials_last, normalize_name, parse_one_name, rewrite_name, split_name_list)
from .unicode import fix_unicode, reads_as
from .titles import fix_titles, protect, unprotected_capitals

#: The order rules run in (accents are decoded before names are parsed).
ORDER = ("whitespace", "doi", "pages", "months", "issn", "isbn", "unicode", "names", "protect-titles")


def apply_rules(ref: Reference, ctx: RuleContext) -> None:
    funcs = ctx.__dict__.get("_funcs")
    if funcs is None:
        funcs = ctx._funcs = [RULES[n].func for n in ORDER if n == "whitespace" or ctx.options.enabled(n)]
    for func in funcs:
        func(ref, ctx)
