"""The tag pane: the library's themes with counts; Enter toggles a tag filter."""

from __future__ import annotations

from collections import Counter

from rich.text import Text
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ...query import fold


class TagPane(OptionList):
    """Tags of the references shown, with how many carry each; chosen tags first."""

    class Toggled(Message):
        """A tag was chosen or dropped as a filter."""

        def __init__(self, tag: str) -> None:
            self.tag = tag
            super().__init__()

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.border_title = "Tags"

    def show(self, counts: Counter, chosen: list[str]) -> None:
        """Rebuild the options (a few dozen) and keep the highlight on the same tag."""
        state = (tuple(sorted(counts.items())), tuple(chosen), self.scrollable_content_region.width)
        if state == getattr(self, "_state", None):
            return  # nothing to redraw
        self._state = state
        current = self.highlighted_option.id if self.highlighted_option is not None else None
        chosen_folded = {fold(t) for t in chosen}
        tags = list(chosen) + sorted((t for t in counts if fold(t) not in chosen_folded), key=fold)
        width = max(self.scrollable_content_region.width, 20)
        options = []
        for tag in tags:
            count = counts.get(tag, 0)
            on = fold(tag) in chosen_folded
            label = Text("✓ " if on else "  ", style="bold" if on else "")
            number = str(count)
            name = tag if len(tag) <= width - len(number) - 4 else tag[: width - len(number) - 5] + "…"
            label.append(name, style="bold" if on else "")  # plain text: never markup
            label.append(" " * max(1, width - 2 - len(name) - len(number)))
            label.append(number, style="dim")
            options.append(Option(label, id=tag))
        self.set_options(options)
        if current is not None and current in tags:
            self.highlighted = tags.index(current)
        elif options:
            self.highlighted = 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.post_message(self.Toggled(event.option.id))
