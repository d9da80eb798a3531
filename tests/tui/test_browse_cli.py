"""The browse command's face: help, errors, and the bare 'balintbib'."""

from __future__ import annotations

import sys


def test_browse_has_help(run_cli):
    result = run_cli("browse", "--help")
    assert result.exit_code == 0
    assert "--read-only" in result.output and "--library" in result.output


def test_browse_on_a_missing_library_is_one_clear_line(run_cli, tmp_path):
    result = run_cli("browse", "--library", tmp_path / "nope")
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [f"Error: {tmp_path / 'nope'}: no such file or folder"]


def test_bare_balintbib_runs_browse(run_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no ./library, no configured library
    result = run_cli()
    assert result.exit_code == 2
    assert "no library" in result.output


def test_headless_commands_do_not_import_textual(run_cli, tmp_path):
    import subprocess

    code = ("import sys; from balintbib.cli import cli; "
            "assert 'textual' not in sys.modules, 'textual imported by the CLI'; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "ok", out.stderr


def test_the_core_of_the_tui_does_not_import_textual():
    import subprocess

    code = ("import sys; import balintbib.tui.catalog, balintbib.tui.services, balintbib.tui.keys; "
            "assert 'textual' not in sys.modules; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "ok", out.stderr
