"""The command palette (Ctrl+P): every action of `keys.ACTIONS`, and each citation style."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from .keys import ACTIONS, display_keys
from .services import STYLES


class BalintCommands(Provider):
    def _commands(self):
        app = self.app
        for action in ACTIONS:
            if action.name == "command_palette":
                continue
            yield (f"{action.label}  ({display_keys(action.keys)})", action.help,
                   partial(app.run_action, action.name))
        for sid, label in STYLES:
            yield (f"Citation style: {label}", f"Format citations and exports in {label} ({sid}).",
                   partial(app.set_style, sid))

    async def discover(self) -> Hits:
        for name, help_text, callback in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            score = max(matcher.match(name), matcher.match(help_text) * 0.5)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
