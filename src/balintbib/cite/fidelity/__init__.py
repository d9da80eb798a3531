"""The fidelity layer: citeproc-py's CSL element classes, corrected.

citeproc-py turns every CSL element of a style into an instance of a Python
class chosen by tag name (an lxml class lookup). :func:`element_classes`
returns that mapping with our subclasses in place of citeproc-py's where
citeproc-py departs from the CSL 1.0.2 specification (or from citeproc-js,
the reference implementation, where the specification is silent). Nothing of
citeproc-py is modified: a style loaded through :mod:`balintbib.cite.engine`
simply gets these classes.

Each correction is one small method or function whose docstring names the
CSL rule it implements and the test-suite fixtures (``processor-tests/humans``)
or the real-style gap (``docs``: csl-engine-gaps) it addresses. The finishing
passes over the rendered entry (:func:`finish`) are in :mod:`.punctuation`.

Modules follow the chapters of the specification: :mod:`.names`,
:mod:`.dates`, :mod:`.numbers` (numbers and labels), :mod:`.formatting`
(text case and formatting), :mod:`.sorting`, :mod:`.disambiguation`
(disambiguation and collapsing), :mod:`.text`, :mod:`.choose`, :mod:`.layout` (layout and
group), :mod:`.punctuation` (punctuation and finishing),
:mod:`.locale`; :mod:`.state` holds what they share while an entry is
rendered. A correction to a name rule is in ``names.py``, and so on.
"""

from __future__ import annotations

from functools import lru_cache

from citeproc import model as m

from .formatting import CSL_NS
from .state import MemoMixin, render_children
from .locale import Locale, Style, Term
from .numbers import Label, Number
from .dates import Date, Date_Part
from .names import Name, Name_Part, Names
from .substitution import Substitute
from .sorting import Key, Sort
from .text import Text
from .choose import Choose, Else_If, If
from .layout import Group, Layout

# what the engine and the exporters use, under the package's name
from .formatting import FORMATTER, NS  # noqa: E402,F401
from .state import RENDER_STATE, VAR_CALLS  # noqa: E402,F401
from .name_parts import initialize_given, parse_particles  # noqa: E402,F401
from .names import person_id  # noqa: E402,F401
from .disambiguation import given_level, name_key, registered_person, same_initials_in_one_entry  # noqa: E402,F401,E501
from .punctuation import (KEEP_SPACE, SEAL, finish, keep_edge_spaces, seal_quoted_punctuation,  # noqa: E402,F401
                          thin_spaces, typographic)
from .variables import citation_label  # noqa: E402,F401

OVERRIDES = [Locale, Choose, If, Else_If, Style, Text, Number, Label, Group, Date, Date_Part, Name_Part, Layout, Names, Name,
             Substitute, Sort, Key, Term]


def element_classes() -> dict[str, type]:
    classes = {cls.__name__.replace("_", "-").lower(): cls
               for cls in m.CitationStylesElement.__subclasses__()}
    for cls in OVERRIDES:
        classes[cls.__name__.replace("_", "-").lower()] = cls
    # every element class gets the memoization in front of its MRO
    return {tag: (cls if issubclass(cls, MemoMixin) else _with_memo(cls))
            for tag, cls in classes.items()}


@lru_cache(maxsize=None)
def _with_memo(cls):
    namespace = {"__module__": __name__}
    if getattr(cls, "render_children", None) is m.Parent.render_children:
        namespace["render_children"] = render_children  # the same, faster (state.py)
    return type(cls.__name__, (MemoMixin, cls), namespace)


def make_parser():
    from lxml import etree

    from ..styles import safe_parser
    lookup = etree.ElementNamespaceClassLookup()
    namespace = lookup.get_namespace(CSL_NS)
    namespace[None] = m.CitationStylesElement
    namespace.update(element_classes())
    parser = safe_parser(encoding="UTF-8")
    parser.set_element_class_lookup(lookup)
    return parser
