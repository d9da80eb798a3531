"""Issue 13 point 16: the export dialog's Enter, read-only on `e`/`y`, the same names in both lists."""

from __future__ import annotations

from balintbib.cli import cli
from balintbib.library import Library
from balintbib.tui.app import BalintApp
from balintbib.tui.screens.export import ExportScreen
from click.testing import CliRunner
from textual.widgets import Select

from tui_helpers import screen_text, settle

SIZE = (160, 48)


async def test_enter_exports_from_any_field_of_the_dialog(sample_bib, tmp_path):
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    app = BalintApp(path=sample_bib, cursor_blink=False, export_folder=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("space", "x")
        await settle(pilot)
        assert isinstance(app.screen, ExportScreen)
        assert app.screen.focused is app.screen.query_one("#export-path")  # focus starts on the file name
        app.screen.query_one("#export-style", Select).focus()
        await pilot.press("enter")  # on the style select: exports, does not open the list
        await settle(pilot)
        assert not isinstance(app.screen, ExportScreen)
        assert [p.name for p in tmp_path.iterdir()] == ["reading-list.html"]


async def test_enter_in_an_open_list_picks_the_item(sample_bib, tmp_path):
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    app = BalintApp(path=sample_bib, cursor_blink=False, export_folder=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("space", "x")
        await settle(pilot)
        group = app.screen.query_one("#export-group", Select)
        group.focus()
        await pilot.press("space")  # opens the list
        await settle(pilot)
        assert group.expanded
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ExportScreen) and not group.expanded
        assert group.value != "tag"
        assert not any(tmp_path.iterdir())


async def test_read_only_says_so_on_e_and_y(sample_bib):
    app = BalintApp(path=sample_bib, cursor_blink=False, read_only=True)
    said: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.notify = lambda message, **kw: said.append(str(message))  # type: ignore[method-assign]
        await pilot.press("e")
        await pilot.press("y")
        await settle(pilot)
    assert any("read-only" in m and "edit" in m for m in said), said
    assert any("read-only" in m and "sync" in m for m in said), said


async def test_names_are_shown_the_same_in_the_cli_and_the_tui_list(sample_bib):
    out = CliRunner().invoke(cli, ["list", "-l", str(sample_bib)]).output
    lib = Library.load(sample_bib)
    app = BalintApp(path=sample_bib, cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        shown = screen_text(app)
    for ref in lib.references:
        cli_line = next(line for line in out.splitlines() if line.startswith(ref.key + " "))
        tui_name = app.catalog.line(ref).author if hasattr(app.catalog, "line") else None
        from balintbib.display import author_cell

        name = author_cell(ref)[0]
        assert name in cli_line, (name, cli_line)
        assert tui_name in (None, name)
    assert "Kjeldmand, D. et al." in shown and "Kjeldmand, D. et al." in out
