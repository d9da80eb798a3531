"""Style loading: a resolved style file (or XML) parsed with the safe
parser and the fidelity layer's element classes, in one locale."""

from __future__ import annotations

from citeproc import CitationStylesStyle

from . import fidelity
from .styles import StyleError


class _Style(CitationStylesStyle):
    """A style parsed with our safe parser and element classes."""

    def __init__(self, source, locale):  # noqa: D107 - replaces the base loader
        from lxml import etree
        self.parser = fidelity.make_parser()
        try:
            if isinstance(source, bytes):
                self.xml = etree.ElementTree(etree.fromstring(source, self.parser))
            else:
                self.xml = etree.parse(str(source), self.parser)
        except etree.XMLSyntaxError as exc:
            raise StyleError(f"{source if not isinstance(source, bytes) else 'style'}: "
                             f"not a valid CSL style ({exc.msg})") from None
        self.root = self.xml.getroot()
        self.root.formatter = fidelity.FORMATTER
        self.root.set_locale_list(locale)
        self.root.typeset_values()
        # Speed: lxml makes a new Python proxy for an element each time it is
        # reached unless one is alive; keeping every proxy of the style and its
        # locales alive saves that work (and keeps what the element classes
        # remember on themselves) for every rendered item.
        self._proxies = [element for tree in [self.root, *self.root.locales]
                         for element in tree.iter()]

