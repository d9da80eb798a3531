"""The Add dialog (`a`): a DOI or a file, the preview with duplicates marked, Enter adds."""

from __future__ import annotations

import pytest

from balintbib.library import Library
from balintbib.lookup import Lookup, LookupSettings, Retry
from balintbib.testing.crossref import CrossrefServer
from balintbib.tui.app import BalintApp
from balintbib.tui.screens.add import AddScreen

from tui_helpers import settle

SIZE = (160, 48)


def _samples():
    from _paths import SHARED

    return SHARED / "import-samples"


pytestmark = pytest.mark.skipif(not _samples().is_dir(), reason="import samples not found")


@pytest.fixture
def crossref(monkeypatch):
    from _paths import SHARED

    monkeypatch.setenv("BALINTBIB_IMPORT_SAMPLES", str(SHARED / "import-samples"))
    with CrossrefServer() as server:
        yield server


def make_app(path, server) -> BalintApp:
    app = BalintApp(path=path, cursor_blink=False)
    app.lookup_factory = lambda: Lookup(LookupSettings(crossref_url=server.url), retry=Retry(base_delay=0.01))
    return app


async def test_add_by_doi_shows_the_preview_then_adds_on_enter(sample_bib, crossref):
    before = sample_bib.read_text()
    app = make_app(sample_bib, crossref)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, AddScreen)
        app.screen.query_one("#add-input").value = "https://doi.org/10.1371/journal.pone.0033693"
        app.screen.query_one("#add-tags").value = "burnout"
        await pilot.press("enter")
        await settle(pilot)
        preview = str(app.screen.query_one("#add-preview").render())
        assert "+ sadasivan2012methylphenidate" in preview and "Enter adds 1 reference" in preview
        assert sample_bib.read_text() == before  # nothing written yet
        await pilot.press("enter")
        await settle(pilot, rounds=5)
        assert not isinstance(app.screen, AddScreen)
        ref = Library.load(sample_bib).get("sadasivan2012methylphenidate")
        assert ref is not None and ref.tags == ["burnout"]
        assert any(r.key == "sadasivan2012methylphenidate" for r in app.catalog.library.references)
        # the same DOI again is marked as a duplicate, and Enter adds nothing
        await pilot.press("a")
        await settle(pilot)
        app.screen.query_one("#add-input").value = "10.1371/journal.pone.0033693"
        await pilot.press("enter")
        await settle(pilot)
        preview = str(app.screen.query_one("#add-preview").render())
        assert "already in the library as sadasivan2012methylphenidate" in preview
        assert "Nothing new to add" in preview


async def test_add_a_file_and_an_unknown_doi(sample_bib, crossref, tmp_path):
    from _paths import SHARED

    app = make_app(sample_bib, crossref)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        app.screen.query_one("#add-input").value = "10.1371/notarealdoi"
        await pilot.press("enter")
        await settle(pilot)
        assert "DOI 10.1371/notarealdoi: Crossref has no such record" in str(
            app.screen.query_one("#add-preview").render())
        app.screen.query_one("#add-input").value = str(SHARED / "import-samples/medline/nbib/single.nbib")
        await pilot.press("enter")
        await settle(pilot)
        assert "+ brinjikji2018impact" in str(app.screen.query_one("#add-preview").render())
        await pilot.press("escape")
        await settle(pilot)
    assert Library.load(sample_bib).get("brinjikji2018impact") is None  # Esc adds nothing
