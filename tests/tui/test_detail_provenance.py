"""The detail pane shows where a reference was cited (its provenance) apart from the annotation."""

from __future__ import annotations

from balintbib.tui.app import BalintApp
from balintbib.tui.widgets.detail import DetailPane

from tui_helpers import settle

PROVENANCE = "Cited by the 2013 chapter Research on Balint Groups (reference list)."


async def test_detail_shows_provenance_under_its_own_heading(sample_bib):
    text = sample_bib.read_text(encoding="utf-8")
    start = text.index("@article{kjeldmand2004balint")
    at = text.index("annotation = {", start)
    sample_bib.write_text(text[:at] + "provenance = {" + PROVENANCE + "},\n  " + text[at:], encoding="utf-8")
    app = BalintApp(path=sample_bib, cursor_blink=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        app.query_one("#search").value = "key:kjeldmand2004"
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        shown = app.query_one(DetailPane).text.plain
        assert "Provenance\n" + PROVENANCE in shown
        annotation = shown.index("Annotation\n")
        assert annotation < shown.index("Provenance\n")  # the annotation comes first
        assert PROVENANCE not in shown[annotation:shown.index("Provenance\n")]
        # a reference without provenance shows no empty heading
        app.query_one("#search").value = "key:salinsky"
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert "Provenance" not in app.query_one(DetailPane).text.plain
