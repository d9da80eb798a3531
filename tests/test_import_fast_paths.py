"""The import's fast paths give what the general code gives.

`import` was made faster by shortcuts for the common case (plain text with
nothing to escape, names already as ``Family, Given``, values without stray
white space, the Matcher computing volume and pages for candidates only).
Each shortcut must decide exactly as the general rule; these tests hold them
to it, on hand-picked edge cases and on random input against the general code.
"""

from __future__ import annotations

import random
import re

import pytest

from balintbib.formats import medline, ris
from balintbib.formats.bibtex import ordered_fields
from balintbib.latex import _ESCAPES, text_to_latex
from balintbib.model import Person, Reference, _format_name, format_name, parse_names
from balintbib.normalize import rules
from balintbib.normalize.dedupe import Matcher, find_duplicates
from balintbib.normalize.keys import KeyPattern
from balintbib.normalize.options import NormalizeOptions
from balintbib.normalize.rules import RuleContext, fix_names, fix_whitespace, rewrite_name, split_name_list

# -- text to BibTeX content -------------------------------------------------------------

_GENERAL = re.compile(r"[\\{}&%$#_~^\u00a0]|(?<=-)-|(?<=`)`|(?<=')'")


def general_text_to_latex(text: str) -> str:
    """Every special character escaped, every second ligature character broken with {}."""
    return _GENERAL.sub(lambda m: "{}" + m.group() if m.group() in "-`'" else _ESCAPES[m.group()], text)


@pytest.mark.parametrize("text, content", [
    ("Balint groups", "Balint groups"),
    ("pages 1--5 and 1---5", "pages 1-{}-5 and 1-{}-{}-5"),
    ("``quoted''", "`{}`quoted'{}'"),
    ("50% & $5 #1 a_b ~ ^ {x} \\", r"50\% \& \$5 \#1 a\_b \textasciitilde{} \textasciicircum{} "
                                    r"\textbraceleft{}x\textbraceright{} \textbackslash{}"),
    ("O'Neil - self-report", "O'Neil - self-report"),
    ("a\u00a0b", "a~b"),
])
def test_text_to_latex(text, content):
    assert text_to_latex(text) == content


def test_text_to_latex_agrees_with_the_general_rule_on_random_text():
    rnd = random.Random(1)
    alphabet = "ab -`'\\{}&%$#_~^\u00a0é\n"
    for _ in range(5000):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 12)))
        assert text_to_latex(text) == general_text_to_latex(text), text


# -- names ------------------------------------------------------------------------------------

@pytest.mark.parametrize("person", [
    Person(family="Smith", given="John A."),
    Person(family="Abrandt Dahlgren", given="Madeleine"),
    Person(family="Smith-Jones", given="A.-B."),
    Person(family="van Roy", given="Kaatje"),  # a lower-case word would be read as "von": braced
    Person(family="-", given="A."),
    Person(family="Smith", given="- A"),
    Person(family="Smith and Jones", given="A."),
    Person(family="Smith", given="and A."),
    Person(family="Smith", given="A.  B."),
    Person(family="Wu", given="{X}"),
])
def test_a_name_is_braced_exactly_when_it_would_not_read_back(person):
    plain = _format_name(person)
    assert (format_name(person) == plain) == (parse_names(plain) == [person])


def test_plain_names_are_written_as_family_comma_given():
    assert format_name(Person(family="Kjeldmand", given="Dorte")) == "Kjeldmand, Dorte"
    assert format_name(Person(family="van Roy", given="Kaatje")) != "van Roy, Kaatje"


def test_names_are_braced_exactly_when_they_would_not_read_back_on_random_names():
    rnd = random.Random(5)
    pieces = ["Smith", "van", "Van", "de", "J.", "A", "and", "AND", "-", "Jones", "É", "é", "O'Neil", "2nd",
              ".", "jr.", "'t", "&", "ß", "{", "'", "\u00a0", "A.-B.", "Sand", ",", "\t", "~", "$"]
    for _ in range(5000):
        family = rnd.choice([" ", "", "-"]).join(rnd.choice(pieces) for _ in range(rnd.randint(1, 3)))
        given = rnd.choice([" ", "", "-", "  "]).join(rnd.choice(pieces) for _ in range(rnd.randint(1, 3)))
        person = Person(family=family, given=given)
        plain = _format_name(person)
        assert (format_name(person) == plain) == (parse_names(plain) == [person]), (family, given)


def _names_rule(value: str, fixes: bool = True) -> tuple[str, int]:
    ref = Reference("k", "article", {"author": value})
    ctx = RuleContext(NormalizeOptions())
    fix_names(ref, ctx)
    return ref.fields["author"], len(ctx.name_fixes)


@pytest.mark.parametrize("value, expected", [
    ("Smith, J. and Jones, K.", "Smith, J. and Jones, K."),
    ("Smith, J. AND Jones, K.", "Smith, J. and Jones, K."),
    ("Smith, J. AND and Jones, K.", "Smith, J. and and Jones, K."),
    ("Smith,J. and Jones , K.", "Smith, J. and Jones, K."),
    ("John Smith and Jones, K.", "Smith, John and Jones, K."),
    ("Smith, J. and others", "Smith, J. and others"),
    ("Smith, J.,", "Smith, J.,"),
])
def test_names_rule(value, expected):
    assert _names_rule(value)[0] == expected


def test_names_rule_agrees_with_name_by_name_rewriting_on_random_lists():
    rnd = random.Random(3)
    parts = ["Smith", "J.", ",", ", ", " ", "  ", " and ", " AND ", "and", "{X}", "others", "\t", "de", "Van"]
    for _ in range(5000):
        value = "".join(rnd.choice(parts) for _ in range(rnd.randint(1, 8)))
        if not value.strip():
            continue
        expected = " and ".join(rewrite_name(p)[0] for p in split_name_list(value))
        assert _names_rule(value)[0] == expected, value


def test_name_lists_without_runs_of_white_space_split_as_the_pattern_splits_them():
    from balintbib.normalize.rules.names import _AND, _canonical_names, _split_spaced

    def canonical_by_the_pattern(value):  # the check as first written
        if ("{" in value or "  " in value or " ," in value or "\t" in value or "\n" in value or "\r" in value
                or value.count(",") != value.count(", ") or value != value.strip()):
            return False
        names = _AND.split(value)
        return all("," in n for n in names) and " and ".join(names) == value

    import sys

    # what `_split_spaced` rests on: printable white space is the space; only A, N, D lower to a, n, d
    chars = [chr(c) for c in range(sys.maxunicode + 1)]
    assert [c for c in chars if c.isprintable() and (c.isspace() or re.match(r"\s", c))] == [" "]
    assert [c for c in chars if any(x in c.lower() for x in "and ")] == list(" ADNadn")
    rnd = random.Random(12)
    parts = ["Smith", ", J.", " and ", " AND ", " And ", "and", "AND", " ", ",", "\x0b", "\u00a0", "\x1c", "é",
             "Anderson", "\t", "\x00", " and and ", "{X}"]
    for _ in range(20000):
        value = "".join(rnd.choice(parts) for _ in range(rnd.randint(1, 9)))
        assert _canonical_names(value) == canonical_by_the_pattern(value), value
        if not ("  " in value or "\t" in value or "\n" in value or "\r" in value):
            assert _split_spaced(value) == _AND.split(value), value


# -- white space ------------------------------------------------------------------------------

@pytest.mark.parametrize("fields, expected", [
    ({"title": "A  title", "url": "http://x "}, {"title": "A title", "url": "http://x"}),
    ({"url": "http://x\u00a0"}, {"url": "http://x"}),
    ({"title": "A\ttitle\u3000"}, {"title": "A title"}),
    ({"title": "One\nline", "note": " lead"}, {"title": "One line", "note": "lead"}),
    ({"title": "Clean", "year": "2020"}, {"title": "Clean", "year": "2020"}),
])
def test_whitespace_rule(fields, expected):
    ref = Reference("k", "article", dict(fields))
    fix_whitespace(ref, RuleContext(NormalizeOptions()))
    assert ref.fields == expected


def test_whitespace_rule_agrees_with_field_by_field_checks_on_random_values(monkeypatch):
    rnd = random.Random(2)
    chars = ["a", "b", " ", "  ", "\n", "\t", "\r", "\u00a0", "\u3000", "%", "\x0b"]
    names = ["title", "url", "doi", "note", "url-2", "abstract"]
    ctx = RuleContext(NormalizeOptions())
    for _ in range(5000):
        fields = {n: "".join(rnd.choice(chars) for _ in range(rnd.randint(0, 5)))
                  for n in rnd.sample(names, rnd.randint(1, 4))}
        fast = Reference("k", "article", dict(fields))
        fix_whitespace(fast, ctx)
        with monkeypatch.context() as m:
            m.setattr(rules.whitespace, "_no_white_space_to_fix", lambda f: False)
            slow = Reference("k", "article", dict(fields))
            fix_whitespace(slow, ctx)
        assert fast.fields == slow.fields, fields


# -- readers ---------------------------------------------------------------------------------

def test_ris_continuation_lines_headers_and_stray_er():
    text = ("Record #1 of 2\nTY  - JOUR\nTI  - A title that goes\n  on here\nAU  - Smith, J.\nER  - \n"
            "some text after\nER  - \nTY  - BOOK\nT1  - Second\nER  - \n")
    result = ris.read_text(text, "f.ris")
    assert [r.fields["title"] for r in result.references] == ["A title that goes\non here", "Second"]
    assert result.lines == [2, 9]
    assert [str(p) for p in result.problems] == ["f.ris:8: 'ER' with no record open; ignored"]


def test_medline_tag_lines_of_every_shape():
    text = "PMID-123\nTI  - A title\n      continued\nFAU - Smith, John\nti  - lower case\nDP  - 2020 Jan\n"
    result = medline.read_text(text, "f.nbib")
    ref = result.references[0]
    assert ref.fields["pmid"] == "123" and ref.fields["title"] == "A title continued"
    assert ref.fields["author"] == "Smith, John" and ref.fields["year"] == "2020"
    assert [p.line for p in result.problems] == [5]
    assert ref.fields["import-medline-line"] == "ti  - lower case"


# -- field order, keys ---------------------------------------------------------------------

def test_field_order_places_copies_after_their_field_only():
    fields = {"import-ris-u1": "x", "note-2": "b", "title": "t", "note": "a", "import-ris-kw": "k", "a-1": "y"}
    assert ordered_fields(fields) == ["title", "note", "note-2", "import-ris-u1", "import-ris-kw", "a-1"]


def _field_order_by_emitting(fields: dict[str, str]) -> list[str]:
    """The canonical order as it was first written: every name looked at, copies emitted one by one."""
    from balintbib.formats.bibtex import _ORDER_INDEX

    order = sorted((f for f in fields if f in _ORDER_INDEX), key=_ORDER_INDEX.__getitem__)
    order += [f for f in fields if f not in _ORDER_INDEX]
    copies: dict[str, list] = {}
    for name in order:
        m = re.match(r"^(.+)-(\d+)$", name)
        if m and m.group(1) in fields:
            copies.setdefault(m.group(1), []).append((int(m.group(2)), name))
    moved = {name for group in copies.values() for _, name in group}
    out: list[str] = []

    def emit(name):
        out.append(name)
        for _, copy in sorted(copies.get(name, [])):
            emit(copy)

    for name in order:
        if name not in moved:
            emit(name)
    return out


def test_field_order_agrees_with_emitting_copies_one_by_one_on_random_names():
    rnd = random.Random(4)
    names = ["title", "note", "isbn", "isbn-13", "a", "a-b", "import-x-ad", "author", "x", "pages", "year-1"]
    for _ in range(5000):
        fields = {}
        for _ in range(rnd.randint(0, 12)):
            name = rnd.choice(names)
            for _ in range(rnd.choice([0, 0, 1, 1, 2])):
                name += f"-{rnd.choice([2, 3, 10, 2])}"
            fields[name] = "v"
        assert ordered_fields(fields) == _field_order_by_emitting(fields), list(fields)


def test_key_skips_title_stopwords():
    ref = Reference("", "article", {"author": "Smith, J. and Jones, K.", "year": "2020",
                                    "title": "The {On} of a Balint group"})
    assert KeyPattern("[auth:lower][year][veryshorttitle:lower]").base(ref) == "smith2020balint"


# -- matching --------------------------------------------------------------------------------

def _ref(key, **fields):
    base = {"title": "Balint groups and the empathy of medical students", "year": "2014",
            "author": "Airagnes, Guillaume", "volume": "12", "pages": "1--9"}
    base.update(fields)
    return Reference(key, "article", {k: v for k, v in base.items() if v is not None})


@pytest.mark.parametrize("why, new, same", [
    ("same work", _ref("b"), True),
    ("other volume", _ref("b", volume="13"), False),
    ("other first page", _ref("b", pages="2--9"), False),
    ("same DOI, other year", _ref("b", doi="10.1/x", year="2015", title="Other"), False),
    ("same PMID, no volume", _ref("b", pmid="123", volume=None), True),
    ("nearly the same title, no pages", _ref("b", title="Balint groups and the empathy of medical student",
                                             pages=None), True),
])
def test_matcher_guards_apply_to_candidates(why, new, same):
    existing = _ref("a", doi="10.1/x", pmid="123")
    found, _ = Matcher([existing]).match(new)
    assert bool(found) == same == bool(find_duplicates([existing, new])), why


def test_matcher_keeps_numbered_titles_apart():
    existing = _ref("a", title="Balint groups and the empathy of medical students, part 2")
    new = _ref("b", title="Balint groups and the empathy of medical students, part 3")
    assert Matcher([existing]).match(new) == ([], "")
    assert not find_duplicates([existing, new])


def test_a_read_name_is_written_as_the_general_code_writes_it():
    from balintbib.formats.records import written_plain_name, person_from_text

    rnd = random.Random(7)
    pieces = ["Smith", "van", "J.", "A", "and", "-", "Jones", "É", "O'Neil", "''", "&", "_", "{", " ", ",", "  ",
              "\t", "x%"]
    for _ in range(5000):
        text = "".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 6)))
        written = written_plain_name(text)
        if written is not None:
            assert written == format_name(person_from_text(text)), text
    assert written_plain_name("Kjeldmand,  Dorte ") == "Kjeldmand, Dorte"
    assert written_plain_name("van Roy, Kaatje") is None  # a "von" part: the general code decides


def test_matcher_keys_agree_with_the_rule_functions_on_random_entries():
    from balintbib.normalize import dedupe
    from balintbib.normalize.identifiers import clean_doi, doi_key

    rnd = random.Random(9)
    titles = ["Balint groups", "{HIV} and {\\'E}tudes", "Über $x$ Ärzte", "", "  A  title  ", "T\\&C", "x"]
    people = ["Smith, J. and Jones, K.", "{World Health Organization}", "van Roy, K.", "", "J. Smith AND K. Jones",
              " Kjeldmand, D. ", "{A} and B"]
    years = ["2020", "", "c. 1999", "２０２０", "1999a", "20", "2020-01"]
    for _ in range(3000):
        fields = {}
        for name, pool in (("title", titles), ("author", people), ("editor", people), ("year", years),
                           ("date", years), ("doi", ["10.1/X", " 10.1/x ", "https://doi.org/10.1/x", "doi:10.1/a\\_b",
                                                     "", "10.x"]),
                           ("pmid", ["123", "PMID: 12", "", "１２"])):
            if rnd.random() < 0.6:
                fields[name] = rnd.choice(pool)
        ref = Reference("k", "article", fields)
        if rnd.random() < 0.1 and "title" in fields:
            ref.expressions.add("title")
            fields["title"] = rnd.choice(['"A" # b', "b", '"Balint"'])
        macros = {"b": "Groups"}
        title = dedupe._norm_title(ref, macros)
        expected = {"title": title, "year": dedupe._year(ref),
                    "author": dedupe._first_author(ref) if title else "",
                    "doi": doi_key(fields["doi"]) if fields.get("doi") else "", "pmid": dedupe._pmid(ref)}
        assert dedupe._key_info(ref, macros) == expected, fields
    for doi in ["10.1/x ", "10.1/x", " 10.1/x", "doi: 10.1/x", "https://doi.org/10.1/x\n"]:
        value = doi.strip()
        while True:
            stripped = re.sub(r"^\s*(?:(?:https?://)?(?:dx\.|www\.)?doi\.org/|doi\s*:\s*|info:doi/|urn:doi:)", "",
                              value, count=1, flags=re.I)
            if stripped == value:
                break
            value = stripped.strip()
        assert clean_doi(doi) == value


def test_title_words_are_the_words_between_runs_of_other_characters():
    from balintbib.normalize.dedupe import _title_words

    rnd = random.Random(4)
    pieces = ["Balint", "groups", "HIV", "2", " ", "  ", ":", "-", "\t", "\n", "é", "ß", "Ω", "_", "'", "",
              "\u212a", "\u0130", "\x7f", "\x0b", "~"]
    for _ in range(5000):
        text = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 8)))
        assert _title_words(text) == re.sub(r"[^a-z0-9]+", " ", text.lower()).strip(" "), text


def test_key_markers_agree_with_the_whole_name_list_on_random_entries():
    from balintbib.normalize.keys import _marker, _significant, family_key

    rnd = random.Random(5)
    people = ["Smith, J.", "others", "{World Health Organization}", "van Roy, K.", "J. Smith", "OTHERS", " ",
              "{A} and B", "Ängel, Å."]
    titles = ["The Balint group", "A", "On the {HIV} of Ärzte", "", "of the an", "$x$ Über alles", "the-end"]
    for _ in range(3000):
        fields = {}
        if rnd.random() < 0.8:
            fields[rnd.choice(["author", "editor"])] = rnd.choice([" and ", " AND ", "\tand "]).join(
                rnd.choice(people) for _ in range(rnd.randint(1, 4)))
        if rnd.random() < 0.8:
            fields["title"] = " ".join(rnd.choice(titles) for _ in range(rnd.randint(1, 3)))
        ref = Reference("k", "article", fields)
        names = split_name_list(fields.get("author") or fields.get("editor") or "")
        first = "" if names == [""] else "EtAl" if names[0].lower() == "others" else family_key(names[0])
        assert _marker("auth", ref) == first, fields
        assert _marker("veryshorttitle", ref) == next(iter(_significant(ref)), ""), fields


def test_page_ranges_of_digits_are_written_as_the_general_rule_writes_them():
    from balintbib.normalize import identifiers

    rnd = random.Random(3)
    pieces = ["12", "7", "-", "--", "---", "\u2013", " ", ",", "e", "iv", "\u0663", "\u00b2", ""]
    for _ in range(5000):
        value = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 5)))
        general = ", ".join(f"{m.group(1)}--{m.group(2)}" if (m := identifiers._RANGE.match(item)) else item.strip()
                            for item in value.split(","))
        if not all(identifiers._RANGE.match(i) or identifiers._SINGLE.match(i) for i in value.split(",")):
            general = value
        assert identifiers.format_pages(value) == general, value


def test_the_unicode_rule_looks_at_a_reference_once_and_changes_the_same():
    rnd = random.Random(8)
    pieces = ["M{\\aa}rtenson", "\\'e", "Mårtenson", "plain", "\\url", "é", " "]
    for policy in ("utf8", "latex"):
        ctx = RuleContext(NormalizeOptions(unicode=policy))
        for _ in range(2000):
            fields = {name: "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 3)))
                      for name in rnd.sample(["title", "author", "url", "note", "journal"], rnd.randint(0, 4))}
            ref = Reference("k", "article", dict(fields))
            rules.fix_unicode(ref, ctx)
            for name, value in fields.items():  # each value on its own, as the rule works
                alone = Reference("k", "article", {name: value})
                rules.fix_unicode(alone, ctx)
                assert ref.fields[name] == alone.fields[name], (policy, fields)


def test_keys_agree_with_the_general_rules_on_random_entries():
    from balintbib.normalize.keys import _marker

    def year_by_search(ref):
        for name in ("year", "date"):
            m = re.search(r"\d{4}", ref.fields.get(name, ""))
            if m:
                return m.group()
        return ""

    def base_by_the_rules(pattern, ref):
        out = []
        for m in re.finditer(r"\[([^\]]+)\]|([^\[]+)", pattern):
            if m.group(2):
                out.append(m.group(2))
                continue
            name, *mods = m.group(1).split(":")
            value = year_by_search(ref) if name == "year" else _marker(name, ref)
            for mod in mods:
                value = getattr(value, mod)()
            out.append(value)
        key = re.sub(r"[^A-Za-z0-9_:.+-]", "", "".join(out))
        return key if re.search(r"[A-Za-z]", key) else ""

    rnd = random.Random(21)
    years = ["2015", "", "c. 1999", "\u0662\u0660\u0661\u0665", "\u00b2015", "99", "2015a", "20155"]
    patterns = ["[auth:lower][year][veryshorttitle:lower]", "[auth][year]", "[year]", "x-[year]_[auth:upper]",
                "[auth:lower]é[year]", "[veryshorttitle] [year]"]
    for _ in range(3000):
        fields = {"author": rnd.choice(["Smith, J.", "Ö'Brien, K.", "", "{WHO}", "van Roy, K."]),
                  "title": rnd.choice(["The Balint group", "", "Über alles", "a"])}
        for name in ("year", "date"):
            if rnd.random() < 0.7:
                fields[name] = rnd.choice(years)
        ref = Reference("k", "article", fields)
        pattern = rnd.choice(patterns)
        assert KeyPattern(pattern).base(ref) == base_by_the_rules(pattern, ref), (pattern, fields)


def test_issn_rule_gives_the_same_value_the_second_time():
    # the fixed value is remembered by the written value: the same answer every time
    for value, expected in [("03785955", "0378-5955"), ("09155287; 2187 5626", "0915-5287, 2187-5626"),
                            ("0378-5956", "0378-5956"), ("not an issn", "not an issn"), ("0378 5955; x", "0378 5955; x")]:
        for _ in range(2):
            ref = Reference("k", "article", {"issn": value})
            rules.fix_issn(ref, RuleContext(NormalizeOptions()))
            assert ref.fields["issn"] == expected, value


def test_medline_short_name_check_agrees_with_the_regex_split_on_random_names():
    rnd = random.Random(6)
    pieces = ["Smith", ",", " ", "  ", "-", "Anne", "B.", "\u00a0", "\t", "Jean-Luc", "é", ""]
    for _ in range(5000):
        full = "".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 6)))
        family, _, given = full.partition(",")
        initials = "".join(w[0] for w in re.split(r"[\s-]+", given.strip()) if w)
        assert medline._short_form(full) == f"{family.strip()} {initials}".strip(), full


# -- the readers: values read once per file ------------------------------------------------

_VALUES = ["Smith, John A.", "van Roy, Kaatje", "Smith", "World Health Organization", "Kjeldmand,  Dorte ",
           "Smith, J., Jr.", "A, B, C", "smith, a", "-, A.", "Brinjikji W", "Smith-Jones, Anne-Marie", "others",
           "2001", "2001/09/01/", "2001///", "2001/00/00/other", "2019 Mar-Apr", "2018 Spring", "2020 May 23",
           "2013 06 10", "abc", "0915-5287", "2187-5626; 0915-5287", "978-3-16-148410-0", "0-306-40615-2",
           "1234 567X", "1759-8486 (Electronic)", "10.1136/x [doi]", "123[pmid]", "PMC12345", "PubMed",
           "Book Chapter", "Book", "Journal Article", "50% & $ _ ~", "a--b", ""]


def _random_records(rnd: random.Random, fmt: str) -> list[str]:
    if fmt == "ris":
        tags = sorted(set(ris.FIELDS) | ris.HIDDEN_TAGS | {"KW", "DB", "N1", "ZZ"})
        return ["\n".join([f"TY  - {rnd.choice(['JOUR', 'BOOK', 'EDBOOK', 'CHAP', 'THES', 'XYZ'])}"]
                          + [f"{rnd.choice(tags)}  - {rnd.choice(_VALUES)}" for _ in range(rnd.randint(1, 12))]
                          + ["ER  - "]) for _ in range(rnd.randint(2, 6))]
    tags = sorted(set(medline.FIELDS) | medline.LIST_TAGS | {"OWN", "FAU", "AU", "AD"})
    return ["\n".join(f"{rnd.choice(tags):<4}- {rnd.choice(_VALUES)}" for _ in range(rnd.randint(1, 14)))
            for _ in range(rnd.randint(2, 6))]


@pytest.mark.parametrize("fmt", ["ris", "medline"])
def test_a_file_reads_as_its_records_read_alone(fmt):
    """The readers read a repeated name, ISSN or date once per file (`records.Memo`): a record
    must read the same whether the file told the reader that value before or not."""
    reader, separator = (ris, "\n") if fmt == "ris" else (medline, "\n\n")
    dump = lambda refs: [(r.type, list(r.fields.items()), sorted(r.expressions)) for r in refs]
    rnd = random.Random(11)
    for _ in range(400):
        records = _random_records(rnd, fmt)
        together = reader.read_text(separator.join(records)).references
        alone = [ref for record in records for ref in reader.read_text(record).references]
        assert dump(together) == dump(alone), records


def test_a_memo_past_its_limit_still_answers():
    from balintbib.formats.records import Memo

    calls = []
    squares = Memo(lambda x: calls.append(x) or x * x, limit=2)
    assert [squares[x] for x in (1, 2, 3, 1, 3)] == [1, 4, 9, 1, 9]
    assert calls == [1, 2, 3, 3] and len(squares) == 2


@pytest.mark.parametrize("ris_type, lines, expected", [
    ("THES", ["PB  - Univ"], {"school": "Univ"}),
    ("RPRT", ["PB  - Agency"], {"institution": "Agency"}),
    ("JOUR", ["PB  - Press", "T2  - J Med"], {"publisher": "Press", "journal": "J Med"}),
    ("BOOK", ["BT  - Whole book", "T2  - A series", "SN  - 978-3-16-148410-0"],
     {"title": "Whole book", "series": "A series", "isbn": "978-3-16-148410-0"}),
    ("CHAP", ["BT  - The book", "T2  - Also the book"], {"booktitle": "The book", "import-ris-t2": "Also the book"}),
    ("GEN", ["T2  - Somewhere", "SN  - 0915-5287"], {"import-ris-t2": "Somewhere", "issn": "0915-5287"}),
    ("EDBOOK", ["AU  - Smith, A.", "A2  - Jones, B."], {"editor": "Smith, A. and Jones, B."}),
    ("JOUR", ["AU  - Smith, A.", "A2  - Jones, B."], {"author": "Smith, A.", "editor": "Jones, B."}),
])
def test_ris_tags_whose_field_depends_on_the_type(ris_type, lines, expected):
    ref = ris.read_text("\n".join([f"TY  - {ris_type}", *lines, "ER  - "])).references[0]
    assert {name: ref.fields.get(name) for name in expected} == expected


def test_ris_sniff_finds_an_er_line_as_the_multiline_pattern_does():
    rnd = random.Random(12)
    pieces = ["ER  -", "ER -", "ER-", "\n", "\r", "x", " ", "ER  - ", "TY  - JOUR"]
    for _ in range(3000):
        text = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 6)))
        assert ris._has_er_line(text) == bool(re.search(r"^ER {1,2}-", text, re.M)), repr(text)


def test_clean_doi_drops_trailing_punctuation_as_the_pattern_did():
    from balintbib.formats.records import clean_doi
    from balintbib.normalize import identifiers as ids

    def general(value):
        m = ids.DOI_IN_TEXT.search(value)
        doi = re.sub(r"[.,;:)\]]+$", "", m.group(1)) if m else None
        return doi if doi and ids.is_valid_doi(doi) else None

    rnd = random.Random(13)
    pieces = ["10.1000/", "abc", ".", ",", ";", ":", ")", "]", "(", "doi:", " ", "\n", "x"]
    for _ in range(5000):
        value = "".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 7)))
        assert clean_doi(value) == general(value), repr(value)


def test_field_order_is_a_new_list_each_time():
    """The order of a shape is remembered: a caller changing the list it got changes nothing else."""
    fields = {"year": "2001", "title": "t", "author": "a"}
    order = ordered_fields(fields)
    order.append("x")
    order.reverse()
    assert ordered_fields(dict(fields)) == ["author", "title", "year"]


# -- the library written back -------------------------------------------------------------

def _entry_text(key: str, title: str) -> str:
    return f"@article{{{key},\n  title = {{{title}}}\n}}"


def test_library_render_agrees_with_the_plain_rule_on_random_changes(tmp_path):
    """`Library.render` (untouched blocks as read, only changed ones rewritten, new entries
    merged into the key order) against the rule written out entry by entry."""
    from balintbib.library import Library
    from balintbib.normalize.engine import render_entry

    rnd = random.Random(6)
    for case in range(300):
        keys = rnd.sample([f"k{n:02d}" for n in range(40)] + ["K05", "a", "Zz"], rnd.randint(0, 8))
        if rnd.random() < 0.5:
            keys.sort(key=str.lower)
        seps = [rnd.choice(["\n\n", "\n", "\n% a comment\n\n", "\n\n\n"]) for _ in keys]
        text = rnd.choice(["", "% header\n\n"]) + "".join(_entry_text(k, f"T {k}") + s for k, s in zip(keys, seps))
        path = tmp_path / f"c{case}.bib"
        path.write_text(text, encoding="utf-8")
        lib = Library.load(path)
        lib.insert_sorted = rnd.random() < 0.8
        changed, removed = {}, set()
        for ref in list(lib.references):
            roll = rnd.random()
            if roll < 0.15:
                ref.fields["title"] = "Changed"
                changed[ref.key] = ref
            elif roll < 0.25 and not lib.insert_sorted:
                lib.remove(ref)
                removed.add(ref.key)
        new = [Reference(f"n{rnd.randint(0, 99):02d}{i}", "article", {"title": "New"}) for i in range(rnd.randint(0, 4))]
        for ref in new:
            lib.add(ref)
        # the rule, entry by entry
        bf = lib.files[0]
        parts, skip = [], False
        for block in bf.blocks:
            key = getattr(block, "key", None)
            if skip and key is None:
                skip = False
                raw = block.raw[2:] if block.raw.startswith("\n\n") else block.raw[1:] if block.raw.startswith("\n") \
                    else block.raw
                parts.append((None, raw))
                continue
            skip = False
            if key in removed:
                skip = True
            elif key in changed:
                from balintbib.formats import bibtex
                parts.append((key, bibtex.render_entry(changed[key], ordered_fields(changed[key].fields))))
            else:
                parts.append((key, block.raw))
        if new and lib.insert_sorted:
            pending = sorted(new, key=lambda r: r.key.lower())
            out = []
            for key, part in parts:
                while key is not None and pending and pending[0].key.lower() < key.lower():
                    out.append(render_entry(pending.pop(0)) + "\n\n")
                out.append(part)
            expected = "".join(out)
            if pending:
                expected = expected.rstrip("\n") + ("\n\n" if expected.strip() else "")
                expected += "\n\n".join(render_entry(r) for r in pending) + "\n"
        elif new:
            expected = "".join(p for _, p in parts).rstrip("\n")
            expected += ("\n\n" if expected.strip() else "") + "\n\n".join(
                render_entry(r) for r in new) + "\n"
        else:
            expected = "".join(p for _, p in parts) if (changed or removed) else None
        assert lib.render().get(str(path)) == expected, (text, sorted(changed), sorted(removed), [r.key for r in new])


def test_field_lines_on_random_layouts():
    """`Entry.fields` (made on first use from what the reader kept) gives each field the line
    its name is written on, whatever the values and the white space between them span."""
    from balintbib.formats import bibtex

    rnd = random.Random(8)
    values = ["{plain}", "{two\nlines}", "{a {nested}\n}", '"quoted"', '"q {b}\n"', "2004", "jan",
              'jan # " 1"', "{}", "{x}\n # {y}"]
    for _ in range(300):
        lines, expected = [rnd.choice(["", "% c\n", "\n\n"])], []
        for e in range(rnd.randint(1, 3)):
            lines.append(f"@article{{k{e},")
            for i in range(rnd.randint(0, 6)):
                at = sum(part.count("\n") for part in lines) + 1 + rnd.choice([0, 0, 1])
                gap = "\n" if at > sum(part.count("\n") for part in lines) + 1 else ""
                name = rnd.choice(["title", "Note", "x-y", "year"])
                pad = rnd.choice([" = ", "=", " =\n ", "\t= "])
                lines.append(f"\n{gap}  {name}{pad}{rnd.choice(values)},")
                expected.append((e, name, at + 1))
            lines.append(rnd.choice(["\n}\n", "}\n", "\n  }\n\n"]))
        text = "".join(lines)
        bf = bibtex.parse(text)
        got = [(int(b.key[1:]), f.name, f.line) for b in bf.entries for f in b.fields]
        assert not bf.problems and got == expected, text


def test_field_names_lower_cased_on_random_spellings():
    """Field names are lower-cased through a table of the names seen (each once): the same
    references as lower-casing every name, duplicates renamed ``name-2`` as before."""
    from balintbib.formats import bibtex

    rnd = random.Random(9)
    for _ in range(500):
        names = [rnd.choice(["title", "Title", "TITLE", "tItLe", "Note", "note", "X-Y", "x-y", "year"])
                 for _ in range(rnd.randint(0, 6))]
        text = "@Article{k,\n" + ",\n".join(f"  {n} = {{v{i}}}" for i, n in enumerate(names)) + "\n}\n"
        ref, renamed = bibtex.entry_to_reference(bibtex.parse(text).entries[0])
        expected: dict[str, str] = {}
        for i, n in enumerate(names):
            low, k = n.lower(), 2
            if low in expected:
                while f"{low}-{k}" in expected:
                    k += 1
                low = f"{low}-{k}"
            expected[low] = f"v{i}"
        assert list(ref.fields.items()) == list(expected.items()) and ref.type == "article", names
