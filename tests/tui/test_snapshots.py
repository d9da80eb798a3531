"""Snapshot tests: the main screens at a fixed size (160x48), cursor blink off.

Refresh after a deliberate change with ``pytest tests/tui/test_snapshots.py
--snapshot-update`` and look at the new SVGs (or the report) before committing.
"""

from __future__ import annotations

from tui_helpers import SAMPLE, settle

from balintbib.tui.app import BalintApp

SIZE = (160, 48)


def app() -> BalintApp:
    return BalintApp(path=SAMPLE, cursor_blink=False, style="apa")


def test_list_screen(snap_compare):
    """The first screen: tags with counts, the list, the first reference in the detail pane."""
    assert snap_compare(app(), terminal_size=SIZE, run_before=settle)


def test_detail_after_search(snap_compare):
    """A search, then Enter: the detail pane (APA citation, annotation, DOI, tags) has focus."""

    async def run_before(pilot):
        await settle(pilot)
        pilot.app.query_one("#search").value = "author:kjeldmand year:2004"
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(app(), terminal_size=SIZE, run_before=run_before)


def test_marked_and_sorted(snap_compare):
    """Two marked references (● and the counter), sorted by year."""

    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("s", "s")
        await settle(pilot)
        await pilot.press("space", "down", "space")
        await settle(pilot)

    assert snap_compare(app(), terminal_size=SIZE, run_before=run_before)


def test_help_screen(snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)

    assert snap_compare(app(), terminal_size=SIZE, run_before=run_before)


def test_export_modal(snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("space", "space", "x")
        await settle(pilot)

    assert snap_compare(app(), terminal_size=SIZE, run_before=run_before)


def test_edit_modal(snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        pilot.app.query_one("#search").value = "key:markup"
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)

    assert snap_compare(app(), terminal_size=SIZE, run_before=run_before)
