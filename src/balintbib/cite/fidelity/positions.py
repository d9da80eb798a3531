"""Cite positions (CSL 1.0.2 "Choose", ``position``; "Citation-specific
options", ``near-note-distance``; the ``first-reference-note-number``
variable), with the note numbers of a note style.

A citation may carry ``note``: the number of the footnote it stands in
(0 or absent: a citation in running text). The engine sets it from
``CitationEngine.citations(..., notes=[...])``; without notes every
citation is in running text and the rules are citeproc-py's, corrected.
"""

from __future__ import annotations


def _field(obj, name):
    """``obj.name`` or None (citeproc-py's cites and citations are dicts whose
    attribute access raises VariableError for a missing key)."""
    return dict.get(obj, name) if isinstance(obj, dict) else getattr(obj, name, None)


def note_of(cite) -> int:
    """The note number of the citation a cite belongs to (0: running text)."""
    return int(_field(_field(cite, "citation"), "note") or 0)


def locator_of(cite):
    """A cite's locator, or None (citeproc-py's items raise on a missing key)."""
    return _field(cite, "locator")


def same_locator(a, b) -> bool:
    """Two cites point at the same place: the same locator label and value
    (citeproc-py compared the Locator objects by identity, so the same item
    cited twice "p. 34" was ``ibid-with-locator``; citeproc-js prints
    "ibid."; fixture ``integration_SimpleIbid``)."""
    la, lb = locator_of(a), locator_of(b)
    if la is None or lb is None:
        return la is lb
    return (la.label, str(la.identifier)) == (lb.label, str(lb.identifier))


def ibid_group(item, cites: list) -> list:
    """The cites an ``ibid`` test compares the current cite with (CSL 1.0.2:
    the preceding cite of the same citation; for the first cite of a
    citation, the previous citation, which must be that one cite). As
    citeproc-js does with note numbers:

    * citations in running text (note 0) and citations in footnotes are two
      separate sequences: an in-text citation after a footnote citation
      compares with the previous in-text one ("Appleton … (1910)", a note
      with "Bloggs", then "Ibid." for Appleton: fixture
      ``position_IbidInText``);
    * a footnote citation compares with the previous citation in the same
      note, or else with the whole previous note, all its citations together
      (note 1 "Aalto" + "Álvarez", note 2 "Álvarez" is no ibid, note 3
      "Álvarez" is: ``position_IbidWithMultipleSoloCitesInBackref``);
    * a note in between (notes 1 and 3) breaks ibid
      (``integration_SubsequentWhenInterveningFootnote``).

    Returns [] when no cite qualifies."""
    citation = _field(item, "citation")
    if cites and _field(cites[-1], "citation") is citation:
        return [cites[-1]]
    note = note_of(item)
    stream = [cite for cite in cites if (note_of(cite) > 0) == (note > 0)]
    if not stream:
        return []
    previous = _field(stream[-1], "citation")
    if note == 0 or note_of(stream[-1]) == note:
        return [cite for cite in stream if _field(cite, "citation") is previous]
    if note_of(stream[-1]) < note - 1:
        return []
    wanted = note_of(stream[-1])
    return [cite for cite in stream if note_of(cite) == wanted]


def positions(item, cites: list, names: list[str], near_note_distance: int) -> list[bool]:
    """The ``position`` tests ``names`` for a cite, given the cites rendered
    before it (document order): ``first``, ``subsequent``, ``ibid``,
    ``ibid-with-locator``, ``near-note``. ``ibid`` needs :func:`ibid_group`
    to be this one item; ``near-note`` in a note style holds when the item
    was cited at most ``near-note-distance`` notes back (the same note is
    distance 0: fixture ``position_NearNoteSameNote``), in running text when
    it was cited at most that many citations back (citeproc-py's count)."""
    preset = _field(item, "preset")
    if preset is not None:
        return preset_positions(preset, names)
    prior = [cite for cite in cites if cite.key == item.key]
    group = ibid_group(item, cites) if prior else []
    possibly_ibid = len(group) == 1 and group[0].key == item.key
    last = group[-1] if group else None
    has_locator = locator_of(item) is not None
    last_has_locator = last is not None and locator_of(last) is not None
    note = note_of(item)
    results = []
    for position in names:
        result = False
        if position == "first":
            result = not prior
        elif position == "subsequent":
            result = bool(prior)
        elif position == "ibid":
            result = possibly_ibid and (has_locator or not last_has_locator)
        elif position == "ibid-with-locator":
            result = possibly_ibid and has_locator and not (
                last_has_locator and same_locator(item, last))
        elif position == "near-note" and prior:
            if note > 0:
                result = note - note_of(prior[-1]) <= near_note_distance
            else:
                result = _near_in_text(item, cites, near_note_distance)
        results.append(result)
    return results


#: citeproc-js's position numbers, for a cite that brings its own position
_PRESET = {0: {"first"}, 1: {"subsequent"}, 2: {"subsequent", "ibid"},
           3: {"subsequent", "ibid", "ibid-with-locator"}}


def preset_positions(preset, names: list[str]) -> list[bool]:
    """The ``position`` tests for a cite whose caller gave its position, as
    citeproc-js's citation items may (``"position": 1`` is subsequent, 2
    ibid, 3 ibid-with-locator; ``"near-note": true``): a subsequent cite is
    rendered in its short form even as the only cite of a document
    (fixture ``bugreports_DemoPageFullCiteCruftOnSubsequent``)."""
    position, near = preset
    holds = set(_PRESET.get(int(position), set())) if position is not None else {"first"}
    if near:
        holds.add("near-note")
    return [name in holds for name in names]


def _near_in_text(item, cites: list, distance: int) -> bool:
    count, last_citation = 1, None
    for cite in reversed(cites):
        if cite.key == item.key and count <= distance:
            return True
        if _field(cite, "citation") is not last_citation:
            count += 1
            last_citation = _field(cite, "citation")
    return False


def first_reference_note(item, cites: list) -> int | None:
    """The ``first-reference-note-number`` variable: the note in which the
    item was first cited, for a cite that is not the first (a note style's
    "Doe, supra note 2"; fixtures ``integration_SimpleFirstReferenceNoteNumber``,
    ``position_ResetNoteNumbers``: the number follows notes renumbered by
    an insertion). None in running text or for a first cite."""
    for cite in cites:
        if cite.key == item.key:
            return note_of(cite) or None
    return None
