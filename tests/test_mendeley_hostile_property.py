"""Any JSON a group document can hold: read without a traceback, and what is read is
always an entry the writer accepts (nothing can open a block or add a field)."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from balintbib.formats import bibsafe, bibtex
from balintbib.formats import mendeley as fm
from balintbib.formats.mendeley_check import SHAPES, BadDocument

_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12) | st.sampled_from(
    ["}", "{", "},\n  url = {javascript:x}", "@preamble{x}", "\x00", "jan", "misc}{x,}\n@preamble{", "a b"])
_json = st.recursive(st.none() | st.booleans() | st.integers(-5, 3000) | st.floats(allow_nan=False) | _text,
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
                     max_leaves=8)
_stash = st.fixed_dictionaries({}, optional={
    "type": st.lists(_text, min_size=2, max_size=2) | _json,
    "fields": st.dictionaries(_text | st.sampled_from(["note", "month", "title", "remote-ids"]),
                              st.tuples(_text, st.booleans(), st.none() | _text).map(list) | _json, max_size=3),
    "absent": _json, "remote_ids": _json})
_client_data = st.one_of(_json, _stash.map(lambda s: json.dumps({"balintbib": s})))
documents = st.fixed_dictionaries(
    {"id": st.uuids().map(str)},
    optional={**{k: _json for k in SHAPES if k not in ("id", "client_data")}, "client_data": _client_data})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_any_document_is_read_and_writable(doc):
    try:
        read = fm.from_mendeley(doc, "society", key="k")
    except BadDocument:
        return
    ref = read.reference
    assert bibsafe.entry_problems(ref.key, ref.type, ref.fields, ref.expressions) == []
    text = bibtex.render_entry(ref, bibtex.ordered_fields(ref.fields))
    bf = bibtex.parse(text)
    assert not bf.problems and len(bf.entries) == 1
    back, _ = bibtex.entry_to_reference(bf.entries[0])
    assert back.fields == ref.fields and back.type == ref.type
