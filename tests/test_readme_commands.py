"""The README's command table, options and exit codes say what `--help` says (issue 13)."""

from __future__ import annotations

import re

import click

from balintbib.cli import cli

from _paths import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
GLOBAL = {"--help", "--library", "-l"}  # said once above the table, for every command


def section(title: str) -> str:
    start = README.index(f"## {title}")
    end = README.index("\n## ", start + 3)
    return README[start:end]


def table_rows(text: str) -> list[list[str]]:
    rows = []
    for line in text.splitlines():
        if line.startswith("| `") or line.startswith("| 0") or re.match(r"\| \d ", line):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
            rows.append(cells)
    return rows


def commands_of(cell: str) -> list[tuple[str, ...]]:
    """`remote list` / `remote remove NAME` -> [("remote", "list"), ("remote", "remove")]."""
    out = []
    for code in re.findall(r"`([^`]+)`", cell):
        words = []
        for w in code.split():
            if not re.fullmatch(r"[a-z][a-z-]*", w) or (words and words[0] == "remote" and w == "mendeley"):
                break
            words.append(w)
        if words:
            out.append(tuple(words))
    return out


def all_commands(group: click.Group, prefix=()):
    for name, cmd in group.commands.items():
        if isinstance(cmd, click.Group):
            if cmd.callback is not None and cmd.invoke_without_command:
                yield prefix + (name,), cmd
            yield from all_commands(cmd, prefix + (name,))
        else:
            yield prefix + (name,), cmd


def options_in(text: str) -> set[str]:
    found = set()
    for code in re.findall(r"`([^`]+)`", text):
        for token in re.findall(r"(?<![\w-])(--?[a-zA-Z][\w-]*)", code):
            found.add(token)
    return found


def help_options(cmd: click.Command) -> set[str]:
    opts = set()
    for p in cmd.params:
        if isinstance(p, click.Option):
            opts.update(p.opts)
            opts.update(p.secondary_opts)
    return opts - GLOBAL


def readme_table() -> dict[tuple[str, ...], str]:
    table = {}
    for cells in table_rows(section("Commands")):
        if len(cells) == 3:
            for path in commands_of(cells[0]):
                table[path] = table.get(path, "") + " " + cells[2]
    return table


def test_every_command_is_in_the_readme_table_and_every_row_is_a_command():
    table = readme_table()
    commands = {path for path, _ in all_commands(cli)}
    assert commands - set(table) == set(), "commands missing from the README table"
    assert set(table) - commands == set(), "README rows that are no command"


def test_the_options_of_each_row_are_the_options_of_its_command():
    table = readme_table()
    reading = options_in(section("Reading lists"))
    for path, cmd in all_commands(cli):
        said = options_in(table[path])
        if path == ("tags",):
            said = {o for o in said if o == "--json"}
        have = help_options(cmd)
        # every option the README names exists (sub-command rows may name their own options)
        assert said - have - GLOBAL == set(), (path, said - have)
        extra = reading if path == ("export",) else set()
        # every option --help lists is in the README (long or short form)
        missing = {o for o in have if o not in said | extra}
        paired = {p for p in cmd.params if isinstance(p, click.Option)}
        for p in paired:
            names = set(p.opts) | set(p.secondary_opts)
            if names & (said | extra):
                missing -= names
        assert missing == set(), (path, missing)


def test_the_exit_codes_in_the_readme_are_the_ones_in_help(run_cli):
    rows = table_rows(section("Exit codes"))
    readme_codes = {int(r[0]) for r in rows if r and r[0].isdigit()}
    help_text = run_cli("--help").output
    help_codes = {int(m) for m in re.findall(r"^\s+(\d)\s{2}", help_text, flags=re.M)}
    assert readme_codes == help_codes == {0, 1, 2, 3}


def test_the_readme_short_options_are_the_clis():
    """The scheme paragraph above the table: each `-x/--long` pair is one option of the CLI."""
    pairs = re.findall(r"`(-\w)/(--[\w-]+)", section("Commands"))
    assert pairs
    for short, long in pairs:
        owners = [p for _, c in all_commands(cli) for p in c.params
                  if isinstance(p, click.Option) and short in p.opts]
        assert owners and all(long in p.opts for p in owners), (short, long)
