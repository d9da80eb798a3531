"""balintbib import / add / enrich as a user runs them: real sample files, the
Crossref and NCBI test servers over real sockets, the library checked after."""

from __future__ import annotations

import json
import shutil

import pytest

from balintbib.cli import cli
from balintbib.library import Library
from _paths import LIBRARY, SHARED

SAMPLES = SHARED / "import-samples"
NBIB = SAMPLES / "medline/nbib/pubmed-balloongui-set.nbib"
pytestmark = pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"import samples not found at {SAMPLES}")


@pytest.fixture
def lib(tmp_path):
    dest = tmp_path / "library"
    shutil.copytree(LIBRARY, dest)
    return dest


@pytest.fixture
def run(cli_runner, lib):
    def go(*args, code=0):
        result = cli_runner.invoke(cli, [*args, "-l", str(lib)], catch_exceptions=False)
        assert result.exit_code == code, (result.output, result.stderr if hasattr(result, "stderr") else "")
        return result
    return go


def _clean(run):
    # silent but for the info code the library turns on (references not yet annotated)
    assert [l for l in run("check").output.splitlines() if " B112 " not in l] == []
    assert run("normalize", "--check").output == ""


def test_import_adds_normalized_sorted_entries_and_nothing_the_second_time(run, lib):
    before = len(Library.load(lib))
    out = run("import", str(NBIB), str(SAMPLES / "ris/jabref/RisImporterTestDOI.ris"), "--tag", "burnout").output
    assert "Added 76 references" in out
    after = Library.load(lib)
    assert len(after) == before + 76
    ref = after.get("jung2016effect")
    assert ref is not None and ref.tags == ["burnout"] and ref.fields["pmid"] == "26957754"
    assert ref.fields["import-ris-sn"] == "2187-5626"
    _clean(run)
    text = (lib / "balint.bib").read_text()
    again = run("import", str(NBIB), str(SAMPLES / "ris/jabref/RisImporterTestDOI.ris")).output
    assert "Nothing added: 76 already in the library" in again
    assert "already in the library as jung2016effect (same DOI 10.1589/jpts.28.186)" in again
    assert (lib / "balint.bib").read_text() == text


def test_dry_run_writes_nothing_and_json_lists_everything(run, lib):
    text = (lib / "balint.bib").read_text()
    out = run("import", str(SAMPLES / "medline/nbib/single.nbib"), "--dry-run", "--json").output
    data = json.loads(out)
    assert data["dry_run"] and data["written"] == [] and len(data["added"]) == 1
    assert data["added"][0]["key"] == "brinjikji2018impact"
    assert (lib / "balint.bib").read_text() == text


def test_duplicates_by_title_year_author_with_other_spelling(run, lib, tmp_path):
    # an entry of the shipped library, exported elsewhere with other spelling and no DOI
    ris = tmp_path / "dup.ris"
    ris.write_text("TY  - JOUR\nAU  - Airagnes, G.\nTI  - Appropriate trainings based on Balint groups can "
                   "improve the emphatic abilities of medical students: a preliminary study.\n"
                   "PY  - 2014\nJO  - Journal of psychosomatic research\nJ2  - J Psychosom Res\nVL  - 76\nIS  - 5\nSP  - 426\nER  - \n", encoding="utf-8")
    out = run("import", str(ris)).output
    assert "already in the library as airagnes2014appropriate (nearly the same title" in out
    merged = run("import", str(ris), "--merge-duplicates").output
    assert "fills shortjournal" in merged and "1 existing entries filled in" in merged
    ref = Library.load(lib).get("airagnes2014appropriate")
    assert ref.fields["journal"] == "Journal of Psychosomatic Research"  # never overwritten
    assert ref.fields["shortjournal"] == "J Psychosom Res"


def test_malformed_files_report_file_line_and_keep_good_records(run, lib, tmp_path):
    bad = SAMPLES / "medline/jabref/MedlinePlainImporterStringOutOfBounds.txt"
    result = run("import", str(bad), str(SAMPLES / "pubmed-xml/jabref/MedlineImporterTestMalformedEntry.xml"),
                 str(SAMPLES / "ris/rispy/example_wos.ris"), code=1)
    assert f"{bad}:3: not a MEDLINE line" in result.stderr
    assert "MedlineImporterTestMalformedEntry.xml:4: not well-formed XML" in result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert "Added 4 references" in result.stdout  # 2 MEDLINE records and the 2 of the Web of Science file


@pytest.mark.parametrize("dry_run", [[], ["--dry-run"]])
def test_when_every_input_fails_only_the_errors_and_a_summary_are_printed(run, lib, tmp_path, dry_run):
    junk = tmp_path / "junk.txt"
    junk.write_text("not a bibliography\n", encoding="utf-8")
    text = (lib / "balint.bib").read_text()
    result = run("import", str(junk), str(tmp_path / "missing.ris"), *dry_run, code=1)
    assert result.stdout == "Nothing imported: no references read from the 2 files given (2 problems).\n"
    assert result.stderr.splitlines() == [
        f"{junk}:1: not a format balintbib imports (RIS, MEDLINE/.nbib, PubMed XML, EndNote XML or tagged, "
        "CSL-JSON, BibTeX)", f"{tmp_path / 'missing.ris'}: no such file"]
    assert (lib / "balint.bib").read_text() == text


def test_every_sample_imports_and_leaves_check_clean(run, lib):
    files = [p for sub in ("ris", "medline", "pubmed-xml", "endnote-xml", "endnote-tagged")
             for p in sorted((SAMPLES / sub).rglob("*")) if p.is_file() and p.suffix != ".bib"]
    result = run("import", *map(str, files), "--json", code=1)  # the malformed samples
    data = json.loads(result.stdout)
    assert len(data["added"]) > 140 and data["written"]
    assert run("normalize", "--check").output == ""
    codes = {line.split(": ")[1].split()[0] for line in run("check", code=1).output.splitlines()}
    # the samples' own gaps (JabRef's test junk), people without given names, and not yet annotated
    assert codes <= {"B102", "B103", "B104", "B105", "B108", "B110", "B112"}


# -- add / enrich against the test servers ---------------------------------------------------

@pytest.fixture
def servers(monkeypatch, isolated_home):
    from balintbib.testing.crossref import CrossrefServer
    from balintbib.testing.ncbi import NcbiServer

    monkeypatch.setenv("BALINTBIB_IMPORT_SAMPLES", str(SAMPLES))
    (isolated_home / "config").mkdir(exist_ok=True)
    (isolated_home / "config" / "config.toml").write_text(
        '[lookup]\ncontact = "librarian@balint.example"\nretry-delay = 0.01\n', encoding="utf-8")
    with CrossrefServer() as crossref, NcbiServer() as ncbi:
        monkeypatch.setenv("BALINTBIB_CROSSREF_URL", crossref.url)
        monkeypatch.setenv("BALINTBIB_NCBI_URL", ncbi.url + "/entrez/eutils")
        yield crossref, ncbi


def test_add_doi_pmid_pmcid(run, lib, servers):
    crossref, ncbi = servers
    out = run("add", "https://doi.org/10.1371/journal.pone.0033693", "22351513", "PMC5973862", "-t", "burnout").output
    assert "Added 3 references" in out
    library = Library.load(lib)
    doi = library.get("sadasivan2012methylphenidate")
    assert doi.type == "article" and doi.fields["journal"] == "PLoS ONE" and doi.tags == ["burnout"]
    pmid = library.get("khan2012variation")
    assert pmid.fields["abstract"].startswith("BACKGROUND:") and pmid.fields["doi"] == "10.1002/jsfa.5627"
    assert any(r.fields.get("pmcid") == "PMC5973862" for r in library)
    assert "mailto:librarian@balint.example" in crossref.user_agents[0]
    assert ncbi.queries[0]["tool"] == "balintbib" and ncbi.queries[0]["email"] == "librarian@balint.example"
    _clean(run)
    again = run("add", "10.1371/JOURNAL.PONE.0033693").output
    assert "already in the library as sadasivan2012methylphenidate" in again


@pytest.mark.parametrize("ident, message", [
    ("10.1371/notarealdoi", "DOI 10.1371/notarealdoi: Crossref has no such record"),
    ("99999999", "PMID 99999999: PubMed has no such record"),
    ("PMC1", "PMCID PMC1: PubMed has no such record"),
    ("9780306406157", "ISBN 9780306406157: looking up books by ISBN is not supported"),
    ("hello", "'hello': not a DOI, PMID (digits), PMCID (PMC...) or ISBN"),
])
def test_add_unknown_id_is_one_line_and_library_unchanged(run, lib, servers, ident, message):
    text = (lib / "balint.bib").read_text()
    result = run("add", ident, code=1)
    assert result.stderr.strip() == message or result.stderr.strip().startswith(message)
    assert len(result.stderr.strip().splitlines()) == 1
    assert (lib / "balint.bib").read_text() == text


def test_add_survives_a_429_burst_and_a_dropped_connection(run, lib, servers):
    crossref, ncbi = servers
    crossref.faults.burst(429, 3)
    ncbi.faults.drop(1)
    out = run("add", "10.1371/journal.pone.0033693", "22351513").output
    assert "Added 2 references" in out
    assert crossref.counts["GET /works/10.1371/journal.pone.0033693"] == 4


def test_add_gives_up_after_a_long_burst_and_when_offline(run, lib, servers, monkeypatch):
    crossref, _ = servers
    text = (lib / "balint.bib").read_text()
    crossref.faults.burst(503, 50)
    result = run("add", "10.1371/journal.pone.0033693", code=1)
    assert result.stderr.strip() == ("DOI 10.1371/journal.pone.0033693: Crossref kept answering 503 after 5 tries; "
                                     "try again later")
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    monkeypatch.setenv("BALINTBIB_NCBI_URL", f"http://127.0.0.1:{port}")
    result = run("add", "22351513", code=1)
    assert result.stderr.strip() == f"PMID 22351513: cannot reach PubMed at 127.0.0.1:{port} (offline?)"
    assert (lib / "balint.bib").read_text() == text


def test_plain_http_is_refused_for_a_remote_host(run, servers, monkeypatch):
    monkeypatch.setenv("BALINTBIB_CROSSREF_URL", "http://api.crossref.org")
    result = run("add", "10.1371/journal.pone.0033693", code=1)
    assert "must use https" in result.stderr


def test_enrich_fills_missing_fields_never_overwrites(run, lib, servers, tmp_path):
    bib = lib / "balint.bib"
    bib.write_text(bib.read_text() + "\n@article{khan2012variation,\n  author = {Khan, R.},\n"
                   "  title = {Variation in oil content and fatty acid composition of the seed oil of Acacia species "
                   "collected from the northwest zone of India},\n  journal = {J Sci Food Agric},\n"
                   "  year = {2012},\n  doi = {10.1002/jsfa.5627}\n}\n", encoding="utf-8")
    dry = run("enrich", "-s", "key:khan2012variation", "--dry-run").output
    assert "+ pmid = {22351513}" in dry and "+ abstract = {BACKGROUND:" in dry
    assert "journal" not in dry.split("+ pmid")[0].split("khan2012variation")[1]
    text = bib.read_text()
    assert "22351513" not in text
    run("enrich", "-s", "key:khan2012variation")
    ref = Library.load(lib).get("khan2012variation")
    assert ref.fields["pmid"] == "22351513" and ref.fields["volume"] == "92"
    assert ref.fields["journal"] == "J Sci Food Agric"  # the librarian's value stays


def test_enrich_offline_stops_at_the_first_unreachable_service(run, lib, servers, monkeypatch):
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    monkeypatch.setenv("BALINTBIB_CROSSREF_URL", f"http://127.0.0.1:{port}")
    text = (lib / "balint.bib").read_text()
    result = run("enrich", "-s", "year:2014", code=1)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].endswith(
        f"cannot reach Crossref at 127.0.0.1:{port} (offline?); stopped (nothing more is looked up)")
    assert (lib / "balint.bib").read_text() == text


def test_clients_follow_the_announced_rate_limits(servers):
    from balintbib.lookup import Lookup, LookupSettings, Retry

    crossref, ncbi = servers
    polite = Lookup(LookupSettings(contact="a@b.example", crossref_url=crossref.url,
                                   ncbi_url=ncbi.url + "/entrez/eutils"), retry=Retry(base_delay=0.01))
    polite.reference("10.1371/journal.pone.0033693")
    polite.reference("22351513")
    assert polite.crossref.rate == 10.0 and polite.ncbi.rate == 3.0  # polite pool; NCBI without a key
    anonymous = Lookup(LookupSettings(crossref_url=crossref.url, ncbi_url=ncbi.url + "/entrez/eutils",
                                      ncbi_api_key="k"), retry=Retry(base_delay=0.01))
    anonymous.reference("10.1371/journal.pone.0033693")
    anonymous.reference("22351513")
    assert anonymous.crossref.rate == 5.0 and anonymous.ncbi.rate == 10.0  # public pool; NCBI with a key
    assert "mailto" not in crossref.user_agents[-1] and ncbi.queries[-1]["api_key"] == "k"


def test_a_record_repeated_within_one_import_is_added_once(run, lib):
    ris = SAMPLES / "ris/manubot/bibliography.ris"
    out = run("import", str(ris), str(ris)).output
    assert f"= {ris}:1: repeats {ris}:1, added as himmelstein2018sci (same DOI 10.7554/elife.32822)" in out
    assert "Added 2 references" in out and "2 repeated within the import" in out
    assert len([r for r in Library.load(lib) if r.key == "himmelstein2018sci"]) == 1


def test_enrich_finds_a_doi_by_title_search_only_for_the_same_work(run, lib, servers):
    bib = lib / "balint.bib"
    bib.write_text(bib.read_text() + "\n@article{sadasivan2012methylphenidate,\n  author = {Sadasivan, S.},\n"
                   "  title = {Methylphenidate exposure induces dopamine neuron loss and activation of microglia "
                   "in the basal ganglia of mice},\n  journal = {PLoS ONE},\n  year = {2012}\n}\n\n"
                   "@article{sadasivan2013other,\n  author = {Sadasivan, S.},\n"
                   "  title = {Methylphenidate exposure and microglia in mice: a second look},\n"
                   "  journal = {PLoS ONE},\n  year = {2013}\n}\n", encoding="utf-8")
    out = run("enrich", "-s", "author:sadasivan").output
    assert "+ doi = {10.1371/journal.pone.0033693}" in out and "+ pages = {e33693}" in out
    assert "sadasivan2013other" not in out  # a search hit that is another work is not used
    ref = Library.load(lib).get("sadasivan2012methylphenidate")
    assert ref.fields["doi"] == "10.1371/journal.pone.0033693" and ref.fields["journal"] == "PLoS ONE"
    assert Library.load(lib).get("sadasivan2013other").fields.get("doi") is None
