"""The search box: an `Input` that hands the keyboard to the list on Enter.

Keys typed ahead ("kjeldmand", Enter, Enter, q) are all queued on the widget
that had the focus when they arrived.  A plain `Input` would therefore
re-submit on the second Enter and type the "q" into the box, although the
list has the focus by then (a key reaches the app's bindings by bubbling,
asynchronously, while the box goes on with the keys behind it).
`SearchBox` submits on Enter itself and moves the focus at once, and passes
keys that arrive after it lost the focus on to the widget that has it.
"""

from __future__ import annotations

from textual import events
from textual.css.query import NoMatches
from textual.widgets import Input


class SearchBox(Input):
    """The search `Input`; Enter focuses the widget with id `target_id`."""

    target_id: str = "refs"

    async def action_submit(self) -> None:
        await super().action_submit()
        try:
            target = self.screen.query_one(f"#{self.target_id}")
        except NoMatches:  # no list (yet): keep the focus here
            return
        self.screen.set_focus(target)

    async def _on_key(self, event: events.Key) -> None:
        focused = self.screen.focused
        if focused is not None and focused is not self:
            # Typed ahead, before the focus moved: the key belongs to the new focus.
            event.prevent_default()
            event.stop()
            focused.post_message(events.Key(event.key, event.character))
        elif event.key == "enter":
            # Submit here rather than through the app's bindings: a key bubbles
            # to the app asynchronously, and the keys behind it would not wait.
            event.prevent_default()
            event.stop()
            await self.action_submit()
