"""Sync from the terminal UI against the Mendeley and Zotero test servers (real HTTP on 127.0.0.1).

Push the library to an empty group, change one title on both sides, pull:
the conflict is listed on the sync screen and settled with 'take theirs'.
The sync screen names the remote and says what runs and how it ended, for either remote.
"""

from __future__ import annotations

import shutil
from contextlib import asynccontextmanager

from remote_kit import remote  # noqa: F401  (remote: each remote's test server, parametrised)
from sync_support import REMOTE, group_client, server  # noqa: F401  (server: the Mendeley test server fixture)
from tui_helpers import SAMPLE, settle


def library_folder(tmp_path):
    """A library folder holding a copy of the sample library."""
    folder = tmp_path / "library"
    folder.mkdir()
    shutil.copyfile(SAMPLE, folder / "sample.bib")
    return folder


@asynccontextmanager
async def on_sync_screen(folder):
    """The app on the library `folder`, its sync screen open (key y): ``(app, pilot)``."""
    from balintbib.tui.app import BalintApp

    app = BalintApp(path=folder, cursor_blink=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        yield app, pilot


async def wait_sync(pilot) -> None:
    for _ in range(100):
        await settle(pilot, rounds=1)
        if pilot.app.sync_running is None:
            return
    raise AssertionError("the sync did not finish")


async def test_push_then_pull_a_conflict_and_take_theirs(server, tmp_path):
    from balintbib.library import Library
    from balintbib.tui.screens.sync import SyncScreen

    folder = library_folder(tmp_path)
    async with on_sync_screen(folder) as (app, pilot):
        assert isinstance(app.screen, SyncScreen)
        assert "Ready" in str(app.screen.query_one("#sync-state").render())

        await pilot.press("P")  # push everything to the empty group
        await wait_sync(pilot)
        assert any("Pushed to society: 8 created" in line for line in app.sync_log), app.sync_log
        documents = group_client(server).documents_since(None).records
        assert len(documents) == 8

        # the same title changed here and in the group
        ref = app.catalog.library.get("salinsky2005what")
        ident = ref.remote_ids[REMOTE]
        ref.set_text("title", "What makes a Balint group work? (our title)")
        app.catalog.library.save()
        web = group_client(server)
        web.update(ident, {"title": "What makes a Balint group work? (their title)"}, web.get(ident).version)

        await pilot.press("p")
        await wait_sync(pilot)
        assert [c.key for c in app.sync_conflicts] == ["salinsky2005what"]
        assert app.sync_conflicts[0].fields == ["title"]
        assert "1 sync conflict" in str(app.query_one("#status").render())
        table = app.screen.query_one("#sync-conflicts")
        assert table.row_count == 1

        await pilot.press("t")  # take theirs
        await settle(pilot)
        assert app.sync_conflicts == []
        assert table.row_count == 0

    title = Library.load(folder).get("salinsky2005what").title
    assert title == "What makes a Balint group work? (their title)"


async def test_read_only_library_does_not_sync(server, sample_bib):
    from balintbib.tui.app import BalintApp
    from balintbib.tui.screens.sync import SyncScreen

    app = BalintApp(path=sample_bib, cursor_blink=False, read_only=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("y")  # unavailable (dimmed in the footer)
        await settle(pilot)
        assert not isinstance(app.screen, SyncScreen)
        app.push_screen(SyncScreen())  # as the command palette could
        await settle(pilot)
        assert "read-only" in str(app.screen.query_one("#sync-state").render())
        await pilot.press("p")
        await settle(pilot)
        assert app.sync_running is None and app.sync_log == []


async def test_pull_after_the_file_changed_on_disk_reads_it_again_first(server, tmp_path):
    """A colleague's `balintbib annotate` while the app is open: the pull builds on it, never over it."""
    from click.testing import CliRunner

    from balintbib.cli import cli
    from balintbib.library import Library

    folder = library_folder(tmp_path)
    async with on_sync_screen(folder) as (app, pilot):
        await pilot.press("P")
        await wait_sync(pilot)
        result = CliRunner().invoke(cli, ["annotate", "salinsky2005what", "--text", "Annotated meanwhile.",
                                          "--library", str(folder)])
        assert result.exit_code == 0, result.output
        # ... and a change in the group, so the pull writes the file
        ident = app.catalog.library.get("kjeldmand2004balint").remote_ids[REMOTE]
        web = group_client(server)
        web.update(ident, {"title": "Balint training makes GPs thrive (group title)"}, web.get(ident).version)
        await pilot.press("p")
        await wait_sync(pilot)
        assert any(line.startswith("Pulled from society: 0 added, 1 updated") for line in app.sync_log), app.sync_log
        assert "Reloaded: the library changed on disk" in "\n".join(n.message for n in app._notifications)
        assert app.catalog.library.get("salinsky2005what").annotation == "Annotated meanwhile."
    library = Library.load(folder)
    assert library.get("salinsky2005what").annotation == "Annotated meanwhile."
    assert library.get("kjeldmand2004balint").title == "Balint training makes GPs thrive (group title)"


def rich_log_text(screen) -> str:
    """What the log shows on screen (drawn, not only written)."""
    return "\n".join("".join(seg.text for seg in strip) for strip in screen._compositor.render_strips())


async def test_sync_screen_says_what_runs_and_how_it_ended(remote, tmp_path):
    from balintbib.tui.screens.sync import SyncScreen

    folder = library_folder(tmp_path)
    async with on_sync_screen(folder) as (app, pilot):
        screen = app.screen
        assert isinstance(screen, SyncScreen)
        state = screen.query_one("#sync-state")
        bar = screen.query_one("#sync-progress")
        assert "Ready" in str(state.render())
        label = f"society ({remote.label} group {remote.group_id})"  # which remote, which service
        assert screen.query_one("#sync-body").border_title == f"Sync with {label}"
        assert f"Remote: {label}" in str(state.render())
        assert bar.total is not None  # idle: no "working" animation
        seen = []
        original = screen.refresh_state

        def spy():
            original()
            seen.append(str(state.render()))
        screen.refresh_state = spy
        await pilot.press("P")
        await wait_sync(pilot)
        assert any("Pushing" in line for line in seen), seen
        shown = str(state.render())
        assert "Pushed to society: 8 created" in shown  # the result, as soon as the run ends
        assert bar.total is not None and bar.progress == bar.total
        log = rich_log_text(screen)
        assert "Pushed to society: 8 created" in log
        assert "(0/0)" not in log
        assert any("Pushed to society: 8 created" in line for line in app.sync_log), app.sync_log
        assert len(remote.group.docs()) == 8
        await pilot.press("p")
        await wait_sync(pilot)
        assert "Pulled from society" in str(state.render())
        assert "Pulled from society" in rich_log_text(screen)
        assert any(line.startswith("Pulled from society") for line in app.sync_log), app.sync_log


async def test_pull_keeps_a_normalized_library_normalized(server, tmp_path):
    """Issue 13 point 14 in the terminal UI: `normalize --check` still passes after a pull."""
    from click.testing import CliRunner

    from balintbib.cli import cli
    from balintbib.library import Library

    folder = library_folder(tmp_path)
    assert CliRunner().invoke(cli, ["normalize", "-l", str(folder)]).exit_code == 0
    assert CliRunner().invoke(cli, ["push", "-l", str(folder)]).exit_code == 0
    web = group_client(server)
    web.create({"title": "Leading Balint groups", "type": "book", "year": 2015, "pages": "1-20",
                "authors": [{"first_name": "Andrew", "last_name": "Elder"}]})
    async with on_sync_screen(folder) as (app, pilot):
        await pilot.press("p")
        await wait_sync(pilot)
        for _ in range(20):
            await settle(pilot, rounds=1)
        assert any("1 added" in line for line in app.sync_log), app.sync_log
        assert app.catalog.library.get("elder2015leading") is not None
        assert app.catalog.library.stale_files() == []  # what it shows is what is on disk
    check = CliRunner().invoke(cli, ["normalize", "--check", "-l", str(folder)])
    assert check.exit_code == 0, check.output
    keys = [r.key for r in Library.load(folder).references]
    assert keys == sorted(keys)
