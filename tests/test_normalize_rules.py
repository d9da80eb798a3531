"""The normalizer's rules, one by one, on the inputs librarians actually get."""

from __future__ import annotations

import pytest

from balintbib.formats import bibtex
from balintbib.normalize import NormalizeOptions, normalize_text
from balintbib.normalize import identifiers as ids
from balintbib.normalize.keys import KeyPattern, assign_keys
from balintbib.normalize.latexchars import decode_accents, encode_accents
from balintbib.normalize.rules import normalize_name, protect, unprotected_capitals
from balintbib.model import Reference


def norm(text: str, **opts) -> str:
    return normalize_text(text, "t.bib", NormalizeOptions(**opts)).new


def fields_of(text: str) -> dict[str, str]:
    (entry,) = bibtex.parse(text).entries
    return {f.name: f.value for f in entry.fields}


@pytest.mark.parametrize("raw, decoded", [
    (r"M{\aa}rtenson", "Mårtenson"),
    (r"M\"{u}ller and {\"O}zt{\"u}rk", "Müller and Öztürk"),
    (r"Gar{\c c}on, \c{C}elik", "Garçon, Çelik"),
    (r"Mart{\'\i}nez, \'{\i}", "Martínez, í"),
    (r"Bj\o rn Erd\H{o}s \v{S}koda \ss{}e", "Bjørn Erdős Škoda ße"),
    (r"{\"U}ber {HIV} in \LaTeX", "Über {HIV} in \\LaTeX"),
])
def test_accents_decode_and_encode_back(raw, decoded):
    assert decode_accents(raw) == decoded
    assert decode_accents(decoded) == decoded  # idempotent
    assert decode_accents(encode_accents(decoded)) == decoded


@pytest.mark.parametrize("kept", [r"R\&D 50\% \$5", r"$\"a + \hat{x}$", r"\textbf{bold} \url{x} \ldots", r"\"{}"])
def test_specials_math_and_unknown_commands_are_not_decoded(kept):
    assert decode_accents(kept) == kept


def test_unicode_policy_never_touches_verbatim_fields():
    out = norm(r"@misc{k, title = {M{\aa}rtenson}, url = {http://x.org/{\aa}}, file = {a\"u.pdf}}", keys=False)
    f = fields_of(out)
    assert f["title"] == "{Mårtenson}"
    assert f["url"] == r"{http://x.org/{\aa}}" and f["file"] == r'{a\"u.pdf}'


def test_latex_policy_encodes_and_is_stable():
    out = norm("@misc{k, title = {Mårtenson über}}", keys=False, unicode="latex")
    assert fields_of(out)["title"] == r'{M{\aa}rtenson {\"u}ber}'
    assert norm(out, keys=False, unicode="latex") == out


@pytest.mark.parametrize("name, expected", [
    ("Ludwig van Beethoven", "van Beethoven, Ludwig"),
    ("van Beethoven, Ludwig", "van Beethoven, Ludwig"),
    ("Donald E. Nease Jr.", "Nease, Jr., Donald E."),
    ("Nease, Jr., Donald E.", "Nease, Jr., Donald E."),
    ("{World Health Organization}", "{World Health Organization}"),
    ("Kaatje Van Roy", "Van Roy, Kaatje"),
    ("Van Roy, Kaatje", "Van Roy, Kaatje"),
    ("Jean de la Fontaine", "de la Fontaine, Jean"),
    ("Smith,John", "Smith, John"),
    ("Smith JA", "Smith JA"),  # PubMed style or an all-caps family name? left as written (B109)
    ("Wei LI", "Wei LI"),
    ("John Smith", "Smith, John"),
    ("Aristotle", "Aristotle"),
    ("others", "others"),
])
def test_names(name, expected):
    assert normalize_name(name) == expected


def test_name_list_keeps_others_and_organisations():
    out = norm("@article{k, author = {John Smith and {World Health Organization} and others}}", keys=False)
    assert fields_of(out)["author"] == "{Smith, John and {World Health Organization} and others}"


@pytest.mark.parametrize("raw, expected", [
    ("12-15", "12--15"), ("12–15", "12--15"), ("12—15", "12--15"), ("12 --- 15", "12--15"),
    ("e123", "e123"), ("e123-e130", "e123--e130"), ("xi-xv", "xi--xv"), ("1-2, 5", "1--2, 5"),
    ("1-2,5-7", "1--2, 5--7"), ("12--15", "12--15"), ("see p. 5-7 and 9", "see p. 5-7 and 9"),
])
def test_pages(raw, expected):
    assert ids.format_pages(raw) == expected


@pytest.mark.parametrize("raw", ['"June"', "{June}", "6", "{06}", "{jun}", "JUN", "{Jun.}"])
def test_months_become_macros(raw):
    assert fields_of(norm(f"@misc{{k, month = {raw}}}", keys=False))["month"] == "jun"


def test_month_concatenation_and_unknown_text_kept():
    out = norm('@misc{k, month = jun # "~1", note = {x}}', keys=False)
    assert fields_of(out)["month"] == 'jun # "~1"'
    assert fields_of(norm("@misc{k, month = {Spring}}", keys=False))["month"] == "{Spring}"


@pytest.mark.parametrize("doi", ["https://doi.org/10.1000/xyz", "http://dx.doi.org/10.1000/xyz", "doi:10.1000/xyz",
                                 " DOI: 10.1000/xyz "])
def test_doi_prefixes_stripped(doi):
    assert fields_of(norm(f"@article{{k, doi = {{{doi}}}}}", keys=False))["doi"] == "{10.1000/xyz}"


def test_doi_moved_from_url_and_note_and_repeating_url_dropped():
    f = fields_of(norm("@article{k, url = {https://doi.org/10.1000/a}}", keys=False))
    assert f == {"doi": "{10.1000/a}"}
    f = fields_of(norm("@article{k, doi = {10.1000/A}, url = {https://doi.org/10.1000/a}}", keys=False))
    assert f == {"doi": "{10.1000/A}"}
    f = fields_of(norm("@article{k, doi = {10.1000/a}, url = {https://example.org/paper}}", keys=False))
    assert f["url"] == "{https://example.org/paper}"
    f = fields_of(norm("@article{k, note = {doi: 10.1000/n}}", keys=False))
    assert f == {"doi": "{10.1000/n}"}
    f = fields_of(norm("@article{k, note = {Epub ahead of print. doi:10.1000/n}}", keys=False))
    assert f["doi"] == "{10.1000/n}" and "Epub" in f["note"]


def test_issn_and_isbn():
    assert ids.format_issn("00029149") == "0002-9149" and ids.issn_checksum_ok("0002-9149")
    assert not ids.issn_checksum_ok("0002-9148")
    assert ids.isbn13("0-306-40615-2") == "9780306406157"
    assert ids.isbn13("978-0-306-40615-7") == "9780306406157"
    assert ids.isbn13("0-306-40615-3") is None
    # ISBN-13, hyphenated when written hyphenated (ISBN-10 groups carry over), compact otherwise
    assert ids.format_isbn("0-306-40615-2") == "978-0-306-40615-7"
    assert ids.format_isbn("978-1-4614-6811-0") == "978-1-4614-6811-0"
    assert ids.format_isbn("0306406152") == "9780306406157"
    f = fields_of(norm("@book{k, isbn = {0-306-40615-3}, issn = {0002 9148}}", keys=False))
    assert f["isbn"] == "{0-306-40615-3}"  # bad checksum: value untouched (B105 reports it)
    assert f["issn"] == "{0002 9148}"  # likewise (B104)
    f = fields_of(norm("@book{k, issn = {0002 9149; 03785955}}", keys=False))
    assert f["issn"] == "{0002-9149, 0378-5955}"


def test_title_capitals_reported_and_protected():
    title = "HIV care in the {NHS}: a McMaster study of mRNA and COVID-19 in Sweden"
    words = [title[a:b] for a, b in unprotected_capitals(title)]
    assert words == ["HIV", "McMaster", "mRNA", "COVID-19", "Sweden"]  # sentence case: Sweden is a proper noun
    protected = protect(title)
    assert protected == "{HIV} care in the {NHS}: a {McMaster} study of {mRNA} and {COVID-19} in {Sweden}"
    assert protect(protected) == protected
    # in Title Case every word is capitalised: only acronyms can be told apart
    assert protect("Balint Groups for HIV Care in Sweden") == "Balint Groups for {HIV} Care in Sweden"
    # the first word of a sentence is kept capitalised by every style
    assert protect("Balint groups in Sweden: Results of a survey in Oslo") == (
        "Balint groups in {Sweden}: Results of a survey in {Oslo}")
    assert unprotected_capitals(r"The {\TeX}book and $\alpha$-{DNA}") == []


def test_key_pattern_default():
    ref = Reference("x", "article", {"author": r"Van Roy, Kaatje and Smith, J.", "year": "2015",
                                     "title": "The research of {HIV}"})
    assert KeyPattern("[auth:lower][year][veryshorttitle:lower]").base(ref) == "vanroy2015research"
    ref = Reference("x", "article", {"author": r"M{\aa}rtenson, B.", "year": "1999", "title": "Ökonomie"})
    assert KeyPattern("[auth:lower][year][veryshorttitle:lower]").base(ref) == "martenson1999okonomie"
    ref = Reference("x", "book", {"author": "{World Health Organization}", "year": "2020", "title": "Guidelines"})
    assert KeyPattern("[auth][year]").base(ref) == "WorldHealthOrganization2020"
    ref = Reference("x", "misc", {"author": "{{American Balint Society}}", "title": "The Evidence"})
    assert KeyPattern("[auth:lower][year][veryshorttitle:lower]").base(ref) == "americanbalintsocietyevidence"
    ref = Reference("x", "misc", {"author": "Ek, B.", "year": "2010", "title": "On the use of groups"})
    assert KeyPattern("[auth:lower][year][veryshorttitle:lower]").base(ref) == "ek2010use"


def test_keys_stable_with_suffixes_on_clash():
    def make():
        return [Reference(k, "article", {"author": "Smith, J.", "year": "2000", "title": "Heart failure"})
                for k in ("a1", "smith2000heart", "a2")]
    refs = make()
    renames = assign_keys(refs, KeyPattern("[auth:lower][year][veryshorttitle:lower]"))
    assert [r.key for r in refs] == ["smith2000hearta", "smith2000heart", "smith2000heartb"]
    assert renames == {0: ("a1", "smith2000hearta"), 2: ("a2", "smith2000heartb")}
    assert assign_keys(refs, KeyPattern("[auth:lower][year][veryshorttitle:lower]")) == {}


def test_renamed_keys_go_to_ids_and_crossrefs_follow():
    text = ("@inproceedings{Talk, author = {Ann Lee}, title = {Talk one}, crossref = {Conf}}\n"
            "@proceedings{Conf, title = {Conference on things}, year = {2001}, editor = {Bo Ek}}\n")
    out = norm(text)
    parsed = {e.key: {f.name: f.value for f in e.fields} for e in bibtex.parse(out).entries}
    assert set(parsed) == {"leetalk", "ek2001conference"}
    talk = parsed["leetalk"]
    assert talk["crossref"] == "{ek2001conference}" and talk["ids"] == "{Talk}"
    # the crossref target comes after the entry that uses it (BibTeX needs that)
    keys = [e.key for e in bibtex.parse(out).entries]
    assert keys[-1] == "ek2001conference"


def test_layout_braces_order_blank_lines_and_comments():
    text = ('\n\n@STRING{j = "J. Med."}\n% about b\n@Article{b, Year = 2001, TITLE = "B",\n   journal = j # " Suppl",'
            '   author = "Z, A"}\n\n\n\n@article{a,title={A},author={Y, B}}   \n\n')
    out = norm(text, keys=False)
    assert out == ('@string{j = {J. Med.}}\n\n'
                   '@article{a,\n  author = {Y, B},\n  title = {A}\n}\n\n'
                   '% about b\n@article{b,\n  author = {Z, A},\n  title = {B},\n  journal = j # " Suppl",\n'
                   '  year = {2001}\n}\n')


def test_duplicate_fields_merged_or_renamed_and_reported():
    text = ("@article{k, keywords = {a, b}, keywords = {b, c}, note = {x}, note = {x}, "
            "title = {One}, title = {Two}}")
    result = normalize_text(text, "t.bib", NormalizeOptions(keys=False))
    f = fields_of(result.new)
    assert f["keywords"] == "{a, b, c}" and f["note"] == "{x}"
    assert f["title"] == "{One}" and f["title-2"] == "{Two}"
    assert [p.code for p in result.problems] == ["B003", "B003", "B003"]


def test_failed_block_kept_as_written_and_file_normalized_around_it():
    broken = '@article{bad, title = {Unclosed, year = 2000,\n'
    text = "@misc{z,title={Z}}\n\n" + broken + "\n@misc{a,  title = {A}}\n"
    result = normalize_text(text, "t.bib", NormalizeOptions(keys=False))
    assert broken.rstrip() in result.new
    assert "@misc{a,\n  title = {A}\n}" in result.new
    assert result.new.index("@misc{z") < result.new.index("@misc{a")  # not re-sorted around a broken block
    assert [(p.code, p.line) for p in result.problems] == [("B001", 3)]
    assert normalize_text(result.new, "t.bib", NormalizeOptions(keys=False)).new == result.new


def test_crlf_and_bom():
    out = norm("\ufeff@misc{k,\r\n title = {A}}\r\n", keys=False)
    assert out == "@misc{k,\r\n  title = {A}\r\n}\r\n"


def test_empty_file_stays_empty():
    assert norm("") == "" and norm("\n\n  \n") == ""
