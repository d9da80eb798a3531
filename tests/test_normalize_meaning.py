"""normalize changes how a value is spelled, never what it reads as (TeX's rules
for control words, the space after them, and ``\\\\``)."""

from __future__ import annotations

import json

import pytest

from balintbib.latex import latex_to_text
from balintbib.normalize import normalize_text
from balintbib.normalize.latexchars import decode_accents


@pytest.mark.parametrize("content, decoded", [
    (r'M Sch{\\"u}pbach', r'M Sch{\\"u}pbach'),  # \\ is a line break, then "u: nothing to decode
    (r"First line\\'{E}cole", r"First line\\'{E}cole"),
    (r"caf\\'{e}s", r"caf\\'{e}s"),
    (r"\\ss", r"\\ss"),
    (r"a\\\"u", r"a\\ü"),  # a line break, then an accent
    (r"\ss \aa", "ßå"),  # TeX skips the space after a control word
    ("\\ss\n\\aa", "ßå"),
    (r"Stra\ss e", "Straße"),
    (r"\o rn", "ørn"),
    (r"\ss{} \aa", "ß å"),
    (r"{\i }y", "ıy"),
])
def test_decoding_follows_tex(content, decoded):
    assert decode_accents(content) == decoded
    assert latex_to_text(decoded) == latex_to_text(content)


def test_in_a_name_list_white_space_still_separates_names():
    assert decode_accents(r"Gau\ss and Weber", names=True) == "Gauß and Weber"


def test_latex_text_follows_tex():
    assert latex_to_text(r"\ss \aa") == "ßå"
    assert latex_to_text(r"caf\\'{e}s") == "caf\n'es"  # a line break, an apostrophe, "es"
    assert latex_to_text(r"M Sch{\\" + '"u}pbach') == 'M Sch\n"upbach'
    # a line break is one, whatever white space is around it (normalize may change that)
    assert latex_to_text("Part 1 \\\\\n   Part 2") == latex_to_text("Part 1 \\\\ Part 2") == "Part 1\nPart 2"
    assert latex_to_text(" value ") == "value"


BIB = r"""@article{x1,
  author = {M Sch{\\"u}pbach and L{\\"u}ders, K and K{\\"u}hn, A and B{\\"u}lthoff, H},
  title = {First line\\'{E}cole and caf\\'{e}s, \ss \aa},
  note = {Stra\ss e},
  year = {2001}
}
"""


def _listed(run_cli, path):
    result = run_cli("list", "--json", "--library", path)
    assert result.exit_code == 0, result.output
    item = json.loads(result.output)[0]
    item.pop("custom", None)  # the BibTeX spelling, which normalize may change
    item.pop("id")
    return item, json.loads(result.output)[0]["id"]


def test_normalize_keeps_what_every_value_reads_as(run_cli, tmp_path):
    bib = tmp_path / "b.bib"
    bib.write_text(BIB, encoding="utf-8")
    before, _ = _listed(run_cli, bib)
    result = run_cli("normalize", bib)
    assert result.exit_code == 0, result.output
    text = bib.read_text(encoding="utf-8")
    assert r'Sch{\\"u}pbach, M' in text and r'K{\\"u}hn, A' in text
    assert r"First line\\'{E}cole and caf\\'{e}s, ßå" in text
    after, key = _listed(run_cli, bib)
    assert after == before
    assert key.startswith("schupbach2001")  # the key keeps every letter
    assert normalize_text(text).new == text


def test_decoding_a_name_list_keeps_its_names_apart():
    result = normalize_text("@misc{k, author = {Gau\\ss and Weber}, year = {1809}}\n")
    assert "Gauß and Weber" in result.new
