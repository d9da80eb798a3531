"""The provenance field travels with a reference; `check` finds people without given
names and web pages without a date of reading, and lists what is not yet annotated.

Round trips go through the real faces: `convert` (BibTeX -> CSL-JSON -> BibTeX) and
the Mendeley test server over a socket (create, fetch, read back).
"""

from __future__ import annotations

import json
from pathlib import Path

from balintbib.formats.mendeley import from_mendeley, to_mendeley, writable
from balintbib.library import Library

from mendeley_support import balintbib_home, make_client, server  # noqa: F401

BIB = """@online{absevidence,
  author = {{American Balint Society}},
  title = {The Evidence},
  url = {https://www.americanbalintsociety.org/},
  keywords = {reviews and reading lists}
}

@article{lichtenstein2006integrating,
  author = {Lichtenstein and Lustig, Marion and {{International Balint Federation}} and Kjeldmand, D. and others},
  title = {Integrating intuition and reasoning},
  journal = {Australian Family Physician},
  year = {2006},
  annotation = {An essay on how groups help doctors weigh intuition against reasoning. It argues for both.},
  provenance = {Listed among the more recent literature on the ABS evidence page, with a PubMed link.}
}

@online{dated,
  author = {Salinsky, John},
  title = {Balint groups and the Balint method},
  url = {https://balint.co.uk/about/the-balint-method},
  urldate = {2026-11-22},
  annotation = {A short history of the method. It describes how a group works.},
  provenance = {Cited by nobody; a test entry.}
}
"""


def write(tmp_path, text=BIB, toml=None) -> Path:
    folder = tmp_path / "lib"
    folder.mkdir(exist_ok=True)
    (folder / "test.bib").write_text(text, encoding="utf-8")
    if toml is not None:
        (folder / "balintbib.toml").write_text(toml, encoding="utf-8")
    return folder


def test_check_finds_names_without_initials_undated_pages_and_missing_annotations(run_cli, tmp_path):
    folder = write(tmp_path)
    assert "B112" not in run_cli("check", folder).output  # opt-in: plain BibTeX files are not nagged
    result = run_cli("check", folder, "--extend-select", "not-yet-annotated")
    out = result.output
    assert result.exit_code == 1  # B110 and B111 are warnings
    assert "B110 name-without-given: 'Lichtenstein' in author of 'lichtenstein2006integrating'" in out
    # organisations in braces, people with given names or initials, and "others" are fine
    assert "Lustig" not in out and "Federation" not in out and "Kjeldmand" not in out
    assert "B111 online-without-urldate: web page 'absevidence'" in out
    assert "'dated'" not in out
    assert "B112 not-yet-annotated: 'absevidence' has no annotation yet" in out
    assert out.count("B112") == 1
    lines = [line for line in out.splitlines() if "B110" in line]
    assert lines and lines[0].startswith(f"{folder / 'test.bib'}:9:")  # path:line of the author field


def test_info_codes_alone_do_not_fail_check_and_per_key_ignore_mutes_one_entry(run_cli, tmp_path):
    folder = write(tmp_path, toml='[check]\nignore = ["B111"]\nextend-select = ["B112"]\n\n[check.per-key-ignore]\n'
                                  'lichtenstein2006integrating = ["name-without-given"]\n')
    result = run_cli("check", folder)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [line for line in result.output.splitlines() if "B112" in line]
    result = run_cli("check", folder, "--json")
    assert [p["severity"] for p in json.loads(result.output)] == ["info"]
    (folder / "balintbib.toml").write_text('[check.per-key-ignore]\nx = "B110"\n', encoding="utf-8")
    result = run_cli("check", folder)
    assert result.exit_code == 1 and "per-key-ignore" in result.output + result.stderr


def test_provenance_round_trips_through_convert(run_cli, tmp_path):
    folder = write(tmp_path)
    csl = tmp_path / "items.json"
    back = tmp_path / "back.bib"
    assert run_cli("convert", folder / "test.bib", "--to", "csl-json", "-o", csl).exit_code == 0
    items = {i["id"]: i for i in json.loads(csl.read_text(encoding="utf-8"))}
    assert items["dated"]["custom"]["bibtex"]["provenance"] == "Cited by nobody; a test entry."
    assert "provenance" not in json.dumps(items["dated"].get("note", ""))  # never the CSL note
    assert run_cli("convert", csl, "--to", "bibtex", "-o", back).exit_code == 0
    before = {r.key: r.fields for r in Library.load(folder / "test.bib").references}
    after = {r.key: r.fields for r in Library.load(back).references}
    assert after == before


def test_provenance_round_trips_through_the_mendeley_test_server(server, tmp_path):  # noqa: F811
    ref = next(r for r in Library.load(write(tmp_path)).references if r.key == "lichtenstein2006integrating")
    client = make_client(server)
    created = client.create(writable(to_mendeley(ref, "society")))
    fetched = client.get(created.id)
    back = from_mendeley(fetched.data, "society").reference
    assert back.fields["provenance"] == ref.fields["provenance"]
    assert back.provenance.startswith("Listed among the more recent literature")
    # it travels in the document's client_data, not in a field another Mendeley user would edit
    assert "Listed among" in fetched.data["client_data"]
    assert "Listed among" not in json.dumps({k: v for k, v in fetched.data.items() if k != "client_data"})
