"""Changing a line-API widget's scrollable size without a screen relayout.

`Widget.virtual_size` is a layout reactive: assigning it re-arranges the whole
screen, which costs more than the rest of a keystroke together.  The list and
the detail pane always show their vertical scrollbar (``overflow-y: scroll``),
so a new virtual height can never change their layout, only the scrollbar's
thumb: that is all this updates.
"""

from __future__ import annotations

from textual.geometry import Size
from textual.widget import Widget


def set_virtual_size(widget: Widget, size: Size) -> None:
    if widget.virtual_size == size:
        return
    scroll_update = getattr(widget, "_scroll_update", None)
    if widget.styles.overflow_y == "scroll" and widget.styles.overflow_x == "hidden" and scroll_update:
        widget.set_reactive(Widget.virtual_size, size)
        scroll_update(size)
    else:  # pragma: no cover - a Textual without the private hook: pay for the layout
        widget.virtual_size = size
