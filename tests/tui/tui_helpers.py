"""Helpers shared by the terminal UI tests."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
SAMPLE = DATA / "sample.bib"

async def settle(pilot, rounds: int = 3) -> None:
    """Let debounce timers fire and every worker finish, then let messages land."""
    app = pilot.app
    for _ in range(rounds):
        await pilot.pause(0.15)
        await app.workers.wait_for_complete()
        await pilot.pause()


def visible_keys(app) -> list[str]:
    return [r.key for r in app.table.rows]


def screen_text(app) -> str:
    """Every line the reference list draws, as plain text."""
    table = app.table
    lines = []
    for y in range(table.scrollable_content_region.height):
        lines.append("".join(seg.text for seg in table.render_line(y)))
    return "\n".join(lines)
