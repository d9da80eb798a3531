"""The terminal UI driven with Textual's Pilot: what a member and a librarian do."""

from __future__ import annotations

import os

import pytest

from balintbib.library import Library
from balintbib.tui.app import BalintApp
from balintbib.tui.keys import ACTIONS
from balintbib.tui.screens.edit import EditScreen
from balintbib.tui.screens.export import ExportScreen
from balintbib.tui.screens.help import HelpScreen
from balintbib.tui.screens.sync import SyncScreen
from balintbib.tui.widgets.detail import DetailPane

from tui_helpers import screen_text, settle, visible_keys

SIZE = (160, 48)


def make_app(path, **kwargs) -> BalintApp:
    return BalintApp(path=path, cursor_blink=False, **kwargs)


async def type_text(pilot, text: str) -> None:
    for ch in text:
        await pilot.press({" ": "space", ":": "colon", ".": "full_stop", "-": "minus"}.get(ch, ch))


def detail_text(app) -> str:
    return app.query_one(DetailPane).text.plain


async def test_opens_the_library_and_lists_every_reference(sample_bib):
    app = make_app(sample_bib)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert len(app.table.rows) == 8
        text = screen_text(app)
        assert "Kjeldmand, D. et al." in text and "2004" in text
        assert "Balint training makes GPs" in text
        status = str(app.query_one("#status").render())
        assert "8 of 8 references" in status and "0 marked" in status


async def test_search_as_you_type_uses_the_export_query_language(sample_bib):
    app = make_app(sample_bib)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await type_text(pilot, "author:kjeldmand")
        await settle(pilot)
        assert sorted(visible_keys(app)) == ["kjeldmand2004balint", "kjeldmand2006doctor"]
        # accents are folded: holmstrom finds Holmström
        app.query_one("#search").value = "holmstrom year:2005..2010"
        await settle(pilot)
        assert visible_keys(app) == ["kjeldmand2006doctor"]
        assert "1 of 8 references" in str(app.query_one("#status").render())


async def test_keys_typed_ahead_after_enter_go_to_the_list(sample_bib):
    """'/kjeldmand', then Enter and j in one burst, as a fast typist sends them."""
    from textual import events

    app = make_app(sample_bib)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await type_text(pilot, "kjeldmand")
        await settle(pilot)
        for key, char in (("enter", "\r"), ("j", "j")):
            app.post_message(events.Key(key, char))  # queued all at once, no waiting
        await settle(pilot)
        assert app.query_one("#search").value == "kjeldmand"  # no "j" landed in the box
        assert app.focused is app.table
        assert visible_keys(app) == ["kjeldmand2004balint", "kjeldmand2006doctor"]
        assert app.table.cursor == 1  # the "j" moved the list's cursor


async def test_a_bad_query_says_why_and_keeps_the_list(sample_bib):
    app = make_app(sample_bib)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.query_one("#search").value = "year:soon"
        await settle(pilot)
        status = str(app.query_one("#status").render())
        assert "year:soon" in status and "expected a year" in status
        assert len(app.table.rows) == 8


async def test_tag_pane_filters_by_theme_with_counts(sample_bib):
    app = make_app(sample_bib)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tags = app.query_one("#tags")
        labels = [str(tags.get_option_at_index(i).prompt) for i in range(tags.option_count)]
        empathy = next(label for label in labels if "empathy" in label)
        assert empathy.split()[-1] == "3"
        await pilot.press("t")
        index = next(i for i, label in enumerate(labels) if "group process" in label)
        for _ in range(index):
            await pilot.press("down")
        await pilot.press("enter")
        await settle(pilot)
        assert sorted(visible_keys(app)) == ["kjeldmand2006doctor", "salinsky2005what"]
        # counts follow the filter, and the chosen tag is listed first with a tick
        first = str(tags.get_option_at_index(0).prompt)
        assert first.startswith("✓ group process") and first.split()[-1] == "2"
        # tags combine with the search
        app.query_one("#search").value = "salinsky"
        await settle(pilot)
        assert visible_keys(app) == ["salinsky2005what"]
        # choosing it again drops it
        app.query_one("#search").value = ""
        tags.focus()
        tags.highlighted = 0
        await pilot.press("enter")
        await settle(pilot)
        assert len(visible_keys(app)) == 8


async def test_marking_counts_and_shows_only_marked(sample_bib):
    app = make_app(sample_bib)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first, second = visible_keys(app)[:2]
        await pilot.press("space")  # marks and moves down
        await pilot.press("v")
        await settle(pilot)
        assert app.marks == {first.lower(), second.lower()}
        assert "2 marked" in str(app.query_one("#status").render())
        assert screen_text(app).splitlines()[1].startswith("●")
        await pilot.press("M")
        await settle(pilot)
        assert visible_keys(app) == [first, second]
        await pilot.press("U")
        await settle(pilot)
        assert app.marks == set() and visible_keys(app) == []
        await pilot.press("M")
        await pilot.press("asterisk")
        await settle(pilot)
        assert len(app.marks) == 8


async def test_export_of_marked_references_writes_a_reading_list(sample_bib, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    app = make_app(sample_bib, export_folder=out)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("x")  # nothing marked: says what to do
        await settle(pilot)
        assert not isinstance(app.screen, ExportScreen)
        app.query_one("#search").value = "kjeldmand"
        await settle(pilot)
        await pilot.press("space", "space")
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, ExportScreen)
        assert "2 marked references" in str(app.screen.query_one("#export-count").render())
        path_input = app.screen.query_one("#export-path")
        path_input.value = "kjeldmand.md"
        app.screen.query_one("#export-format").value = "markdown"
        path_input.focus()
        await pilot.press("enter")
        await settle(pilot)
        written = (out / "kjeldmand.md").read_text(encoding="utf-8")
        assert "Balint training makes GPs thrive better in their job" in written
        assert "felt more satisfied with their work" in written  # the annotation
        assert "Qualitative study of how participants" in written
        assert "Salinsky" not in written


async def test_export_to_a_missing_folder_is_refused_in_the_dialog(sample_bib, tmp_path):
    app = make_app(sample_bib, export_folder=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("space", "x")
        await settle(pilot)
        app.screen.query_one("#export-path").value = str(tmp_path / "nope" / "list.html")
        app.screen.query_one("#export-path").focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ExportScreen)
        assert "No such folder" in str(app.screen.query_one("#export-error").render())


async def test_editing_the_annotation_saves_only_that_entry(sample_bib):
    before = sample_bib.read_text(encoding="utf-8")
    app = make_app(sample_bib)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.query_one("#search").value = "salinsky"
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, EditScreen)
        area = app.screen.query_one("#edit-annotation")
        area.text = "A practical paper on leading groups: {braces} & 100% [bold]kept[/bold]."
        app.screen.query_one("#edit-tags").value = "group process, leadership, residents"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, EditScreen)
        assert "A practical paper" in detail_text(app)
    after = sample_bib.read_text(encoding="utf-8")
    reread = Library.load(sample_bib).get("salinsky2005what")
    assert reread.annotation == "A practical paper on leading groups: {braces} & 100% [bold]kept[/bold]."
    assert reread.tags == ["group process", "leadership", "residents"]
    # every other entry is byte for byte what it was
    start = before.index("@article{salinsky2005what")
    end = before.index("@article{markup2010brackets")
    assert after[:start] == before[:start]
    assert after.endswith(before[end:])


async def test_read_only_library_refuses_edits_and_says_so(sample_bib):
    before = sample_bib.read_bytes()
    app = make_app(sample_bib, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "read-only (opened with --read-only)" in str(app.query_one("#status").render())
        await pilot.press("e")
        await settle(pilot)
        assert not isinstance(app.screen, EditScreen)
    assert sample_bib.read_bytes() == before


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root can write any file")
async def test_unwritable_file_makes_the_app_read_only(sample_bib):
    sample_bib.chmod(0o444)
    try:
        app = make_app(sample_bib)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert "is not writable" in str(app.query_one("#status").render())
    finally:
        sample_bib.chmod(0o644)


async def test_library_text_is_never_read_as_markup(sample_bib):
    app = make_app(sample_bib)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.query_one("#search").value = "key:markup"
        await settle(pilot)
        assert "[bold]Not bold[/bold] and [link=https://evil.example]not a…" in screen_text(app) or \
            "[bold]Not bold[/bold] and [link=" in screen_text(app)
        text = detail_text(app)
        assert "[red]not red[/red]" in text and "[@click=app.quit]no action[/]" in text
        assert "[bold]Not bold[/bold]" in text
        assert app.is_running


async def test_sort_by_key_and_by_header_click(sample_bib):
    app = make_app(sample_bib)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s")  # author
        await settle(pilot)
        assert visible_keys(app)[0] == "balint1957doctor" and visible_keys(app)[-1] == "salinsky2005what"
        await pilot.press("s")  # year
        await settle(pilot)
        years = [app.catalog.line(r).sort_year for r in app.table.rows]
        assert years == sorted(years)
        await pilot.press("r")
        await settle(pilot)
        assert [app.catalog.line(r).sort_year for r in app.table.rows] == sorted(years, reverse=True)
        # click the Title header (table content starts after its border)
        widths = app.table.column_widths(app.table.scrollable_content_region.width)
        x = sum(w + 1 for c, w in widths[: [c for c, _ in widths].index("title")]) + 2
        await pilot.click("#refs", offset=(x + 1, 1))
        await settle(pilot)
        assert app.table.sort_column == "title"
        titles = [app.catalog.line(r).sort_title for r in app.table.rows]
        assert titles == sorted(titles)


async def test_detail_shows_citation_annotation_and_doi_link(sample_bib):
    app = make_app(sample_bib)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.query_one("#search").value = "key:kjeldmand2004"
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        text = detail_text(app)
        assert "Kjeldmand, D., Holmström, I., & Rosenqvist, U. (2004)." in text  # APA
        assert "Swedish GPs who had taken part" in text
        shown = app.query_one(DetailPane).text
        links = {str(span.style.link) for span in shown.spans if getattr(span.style, "link", None)}
        assert links == {"https://doi.org/10.1016/j.pec.2003.09.008"}
        assert "DOI   10.1016/j.pec.2003.09.008" in shown.plain


async def test_citation_style_switches_from_the_list(sample_bib):
    app = make_app(sample_bib)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.query_one("#search").value = "key:kjeldmand2004"
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        for _ in range(2):
            await pilot.press("down")  # apa -> ama -> vancouver
        await pilot.press("enter")
        await settle(pilot)
        assert app.style_id == "nlm-citation-sequence"
        assert "Kjeldmand D, Holmström I, Rosenqvist U." in detail_text(app)
        assert "Vancouver" in str(app.query_one("#status").render())


async def test_help_lists_every_key_and_its_command(sample_bib):
    app = make_app(sample_bib)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        from rich.console import Console

        from balintbib.tui.screens.help import help_table

        table = help_table()

        console = Console(width=150, record=True, file=open(os.devnull, "w"))
        console.print(table)
        text = console.export_text()
        for action in ACTIONS:
            assert action.help.split(":")[0][:30] in text
            if action.cli:
                assert action.cli.split()[0] in text
        assert "balintbib export" in text and "balintbib pull" in text
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_command_palette_lists_every_action(sample_bib):
    from balintbib.tui.commands import BalintCommands

    app = make_app(sample_bib)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        provider = BalintCommands(app.screen)
        names = [name async for name in _discover(provider)]
        for action in ACTIONS:
            if action.name != "command_palette":
                assert any(name.startswith(action.label) for name in names), action.label
        assert any("Vancouver" in name for name in names)
        # and running one from the palette works
        await pilot.press("ctrl+p")
        await settle(pilot)
        await type_text(pilot, "Citation style: MLA")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.style_id == "modern-language-association"


async def _discover(provider):
    async for hit in provider.discover():
        yield str(hit.display if hasattr(hit, "display") else hit.text)


async def test_sync_without_a_remote_says_so(sample_bib):
    app = make_app(sample_bib)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, SyncScreen)
        state = str(app.screen.query_one("#sync-state").render())
        if app.sync_service.unavailable_reason():
            assert "Sync unavailable" in state and "no remote configured" in state
            await pilot.press("p")
            await settle(pilot)
            assert app.sync_running is None
        await pilot.press("escape")
        assert not isinstance(app.screen, SyncScreen)


async def test_missing_library_is_reported_in_the_app(tmp_path):
    app = make_app(tmp_path / "nope.bib")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "Cannot open the library" in screen_text(app)
        assert app.is_running


# -- acceptance fixes: editing never loses anyone's work ------------------------------------------

def annotate_from_the_command_line(path, *args) -> None:
    """What a colleague does meanwhile: `balintbib annotate KEY ...` on the same file."""
    from click.testing import CliRunner

    from balintbib.cli import cli

    result = CliRunner().invoke(cli, ["annotate", *args, "--library", str(path)])
    assert result.exit_code == 0, result.output


def notifications(app) -> str:
    return "\n".join(f"{n.title}: {n.message}" for n in app._notifications)


async def open_edit(pilot, key: str) -> EditScreen:
    app = pilot.app
    app.query_one("#search").value = f"key:{key}"
    await settle(pilot)
    await pilot.press("e")
    await settle(pilot)
    assert isinstance(app.screen, EditScreen)
    return app.screen


async def test_edit_after_the_file_changed_on_disk_keeps_both_changes(sample_bib):
    app = make_app(sample_bib)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.marks.add("balint1957doctor")
        annotate_from_the_command_line(sample_bib, "kjeldmand2006doctor", "--text", "Changed on the command line.")
        dialog = await open_edit(pilot, "salinsky2005what")
        assert "Reloaded: the library changed on disk" in notifications(app)
        dialog.query_one("#edit-tags").value = "group process, leadership, residents"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, EditScreen)
        assert "Saved salinsky2005what" in notifications(app)
        assert app.marks == {"balint1957doctor"} and app.query_one("#search").value == "key:salinsky2005what"
        assert app.table.current.key == "salinsky2005what"
        app.query_one("#search").value = "key:kjeldmand2006doctor"
        await settle(pilot)
        assert "Changed on the command line." in detail_text(app)
    library = Library.load(sample_bib)
    assert library.get("kjeldmand2006doctor").annotation == "Changed on the command line."
    assert library.get("salinsky2005what").tags == ["group process", "leadership", "residents"]


async def test_save_racing_another_writer_reopens_the_dialog_with_what_was_typed(sample_bib):
    app = make_app(sample_bib)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        dialog = await open_edit(pilot, "salinsky2005what")
        dialog.query_one("#edit-annotation").text = "Typed while someone else saved."
        # the other writer saves after the dialog opened
        annotate_from_the_command_line(sample_bib, "kjeldmand2006doctor", "--new-tag", "from the CLI")
        await pilot.press("ctrl+s")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, EditScreen)
        assert dialog.query_one("#edit-annotation").text == "Typed while someone else saved."
        error = str(dialog.query_one("#edit-error").render())
        assert "changed on disk" in error and "save again" in error
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, EditScreen)
    library = Library.load(sample_bib)
    assert library.get("salinsky2005what").annotation == "Typed while someone else saved."
    assert "from the CLI" in library.get("kjeldmand2006doctor").tags


MARKUP = r"Michael {Balint}'s groups: \emph{the} doctor, $x^2$ and 100\% of them."


def with_markup_annotation(path) -> None:
    text = path.read_text(encoding="utf-8")
    text = text.replace("annotation = {Qualitative study of how participants describe the Balint group.}",
                        "annotation = {" + MARKUP + "}")
    path.write_text(text, encoding="utf-8")


async def test_changing_only_tags_keeps_the_annotation_as_written(sample_bib):
    with_markup_annotation(sample_bib)
    app = make_app(sample_bib)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        dialog = await open_edit(pilot, "kjeldmand2006doctor")
        dialog.query_one("#edit-tags").value = "group process, general practice, qualitative"
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert "annotation = {" + MARKUP + "}" in sample_bib.read_text(encoding="utf-8")
    assert Library.load(sample_bib).get("kjeldmand2006doctor").tags[-1] == "qualitative"


async def test_an_annotation_with_markup_is_edited_as_written(sample_bib):
    with_markup_annotation(sample_bib)
    app = make_app(sample_bib)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        dialog = await open_edit(pilot, "kjeldmand2006doctor")
        assert "holds BibTeX markup; it is shown as written" in str(dialog.query_one("#edit-raw-note").render())
        area = dialog.query_one("#edit-annotation")
        assert area.text == MARKUP
        await pilot.press("space", "N", "e", "w", ".")  # the cursor starts at the end
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, EditScreen)
    assert "annotation = {" + MARKUP + " New.}" in sample_bib.read_text(encoding="utf-8")


async def test_a_plain_annotation_saved_unchanged_writes_nothing(sample_bib):
    before = sample_bib.read_bytes()
    app = make_app(sample_bib)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_edit(pilot, "kjeldmand2004balint")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Nothing changed" in notifications(app)
    assert sample_bib.read_bytes() == before


async def test_pasted_control_characters_are_refused_in_the_dialog(sample_bib):
    # A bell and an escape pasted from a terminal: the dialog says so and writes nothing.
    before = sample_bib.read_bytes()
    app = make_app(sample_bib)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        dialog = await open_edit(pilot, "salinsky2005what")
        dialog.query_one("#edit-annotation").text = "Pasted\x07 text \x1b[31m red"
        await pilot.press("ctrl+s")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, EditScreen)
        error = str(dialog.query_one("#edit-error").render())
        assert "control character(s) U+0007, U+001B" in error
        assert dialog.query_one("#edit-annotation").text == "Pasted\x07 text \x1b[31m red"
        await pilot.press("escape")
        await settle(pilot)
    assert sample_bib.read_bytes() == before


async def test_a_failed_save_keeps_the_dialog_and_what_was_typed(sample_bib):
    # A Latin-1 file cannot hold Ω: the save fails with one clear line.
    sample_bib.write_bytes(sample_bib.read_text(encoding="utf-8").encode("latin-1"))
    app = make_app(sample_bib)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        dialog = await open_edit(pilot, "salinsky2005what")
        dialog.query_one("#edit-annotation").text = "Resistance Ω in groups."
        await pilot.press("ctrl+s")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, EditScreen)
        assert dialog.query_one("#edit-annotation").text == "Resistance Ω in groups."
        assert "Not saved" in str(dialog.query_one("#edit-error").render())
        assert "cannot hold" in str(dialog.query_one("#edit-error").render())
        # the library in memory is what is on disk: no stray annotation shown
        await pilot.press("escape")
        await settle(pilot)
        assert "Resistance" not in detail_text(app)
    assert "Resistance" not in sample_bib.read_bytes().decode("latin-1")


async def test_typing_after_tab_into_the_tags_adds_to_them(sample_bib):
    app = make_app(sample_bib)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_edit(pilot, "salinsky2005what")
        await pilot.press("tab")
        await pilot.press("comma", "space", "r", "e", "s", "i", "d", "e", "n", "t", "s")
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert Library.load(sample_bib).get("salinsky2005what").tags == ["group process", "leadership", "residents"]


@pytest.mark.parametrize("size", [(100, 30), (80, 24)])
async def test_tag_pane_at_narrow_widths_leaves_the_list_usable(sample_bib, size):
    app = make_app(sample_bib)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("T")
        await settle(pilot)
        tags = app.query_one("#tags")
        assert tags.region.width > 0 and tags.region.height > 0
        rows = screen_text(app).splitlines()
        assert len([r for r in rows if r.strip()]) >= 6  # the header and at least five references
        assert app.table.region.width >= 60
        assert "Kjeldmand, D. et al." in screen_text(app) and "Balint training makes" in screen_text(app)
        # Enter opens a reference: the detail pane comes back in the tag pane's place
        await pilot.press("enter")
        await settle(pilot)
        assert app.query_one(DetailPane).region.width > 0 and "founding book" in detail_text(app)


async def test_a_broken_entry_is_named_and_stays_in_the_status_line(sample_bib):
    text = sample_bib.read_text(encoding="utf-8")
    sample_bib.write_text(text + "\n@article{broken2020,\n  author = {Somebody},\n  title = {Unclosed title,\n"
                          "  year = {2020}\n}\n", encoding="utf-8")
    app = make_app(sample_bib)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        note = next(n for n in app._notifications if "not read" in n.title)
        assert note.title == "1 entry not read"
        assert f"{sample_bib}:" in note.message and "broken2020" in note.message and "closing '}'" in note.message
        assert note.timeout >= 20
        await pilot.pause(1)
        assert "1 entry not read: see balintbib check" in str(app.query_one("#status").render())


async def test_export_asks_before_overwriting_a_file(sample_bib, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "list.md").write_text("My own notes.\n", encoding="utf-8")
    app = make_app(sample_bib, export_folder=out)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("space", "x")
        await settle(pilot)
        path_input = app.screen.query_one("#export-path")
        path_input.value = "list.md"
        app.screen.query_one("#export-format").value = "markdown"
        path_input.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ExportScreen)
        assert "exists — press Enter again to overwrite" in str(app.screen.query_one("#export-error").render())
        assert (out / "list.md").read_text(encoding="utf-8") == "My own notes.\n"
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, ExportScreen)
    assert "The doctor, his patient and the illness" in (out / "list.md").read_text(encoding="utf-8")


async def test_open_link_without_a_browser_shows_and_copies_the_link(sample_bib, monkeypatch):
    import webbrowser

    opened = []
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: opened.append(url) or False)  # no browser here
    app = make_app(sample_bib)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.query_one("#search").value = "key:kjeldmand2004"
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        url = "https://doi.org/10.1016/j.pec.2003.09.008"
        assert opened == [url]
        text = notifications(app)
        assert "No web browser found" in text and url in text and "Opening" not in text
        assert app.clipboard == url


async def test_read_only_footer_shows_edit_and_sync_as_unavailable(sample_bib):
    from textual.widgets._footer import FooterKey

    def footer_keys(app) -> dict[str, bool]:  # label -> available
        return {k.description: not k.has_class("-disabled") for k in app.screen.query(FooterKey)}

    app = make_app(sample_bib)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        keys = footer_keys(app)
        assert keys["Edit"] and keys["Sync"]
    app = make_app(sample_bib, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        keys = footer_keys(app)
        assert keys["Edit"] is False and keys["Sync"] is False and keys["Mark"] is True
        await pilot.press("y")
        await settle(pilot)
        assert not isinstance(app.screen, SyncScreen)


async def test_help_says_what_marking_does_and_no_wrong_command(sample_bib):
    from rich.console import Console

    from balintbib.tui.screens.help import help_table

    console = Console(width=200, record=True, file=open(os.devnull, "w"))
    console.print(help_table())
    lines = console.export_text().splitlines()
    mark = next(line for line in lines if line.lstrip().startswith("Space"))
    assert "and move to the next" in mark
    sort = next(line for line in lines if line.lstrip().startswith("s "))
    assert "list --select" not in sort and "—" in sort


async def test_copy_citation_and_copy_reference_keys(sample_bib):
    app = make_app(sample_bib)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.query_one("#search").value = "key:kjeldmand2004"
        await settle(pilot)
        app.set_style("apa")
        await pilot.press("i")
        await settle(pilot)
        assert app.clipboard.startswith("(Kjeldmand") and app.clipboard.endswith("2004)")
        assert "Citation copied" in notifications(app)
        await pilot.press("b")
        await settle(pilot)
        assert app.clipboard.startswith("Kjeldmand, D.") and "(2004)" in app.clipboard


async def test_copy_shows_the_text_when_the_terminal_cannot_copy(sample_bib, monkeypatch):
    app = make_app(sample_bib)

    def refuse(text):
        raise RuntimeError("no clipboard")

    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.query_one("#search").value = "key:kjeldmand2004"
        await settle(pilot)
        monkeypatch.setattr(app, "copy_to_clipboard", refuse)
        await pilot.press("i")
        await settle(pilot)
        text = notifications(app)
        assert "could not copy: select it here" in text and "Kjeldmand" in text
