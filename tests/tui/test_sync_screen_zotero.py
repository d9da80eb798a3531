"""The sync screen with a Zotero remote: it says which remote, pushes and pulls."""

from __future__ import annotations

from test_sync_screen import library_folder, wait_sync
from tui_helpers import settle
from zotero_support import zserver  # noqa: F401


async def test_sync_screen_names_the_zotero_remote_and_syncs(zserver, tmp_path):
    from balintbib.tui.app import BalintApp
    from balintbib.tui.screens.sync import SyncScreen

    folder = library_folder(tmp_path)
    app = BalintApp(path=folder, cursor_blink=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, SyncScreen)
        label = f"society (Zotero group {zserver.info['group_id']})"
        assert app.screen.query_one("#sync-body").border_title == f"Sync with {label}"
        assert f"Remote: {label}" in str(app.screen.query_one("#sync-state").render())
        await pilot.press("P")
        await wait_sync(pilot)
        assert any("Pushed to society: 8 created" in line for line in app.sync_log), app.sync_log
        assert len(zserver.zgroup.docs()) == 8
        await pilot.press("p")
        await wait_sync(pilot)
        assert any(line.startswith("Pulled from society") for line in app.sync_log), app.sync_log
