"""HTML output is escaped and well formed, whatever the data holds."""

from html.parser import HTMLParser

import pytest

from balintbib.cite import render_bibliography

NASTY = {
    "id": "x&<y>", "type": "article-journal",
    "title": 'Doctors & patients <script>alert("x")</script> in "groups" <i>really</i>',
    "author": [{"family": "O'Neill & <b>Sons</b>", "given": "Brendan"}],
    "container-title": "Journal <of> Things & Stuff",
    "annote": "Notes with <img src=x onerror=alert(1)> & more",
    "URL": "https://example.org/?a=1&b=<2>",
    "issued": {"date-parts": [[2020]]}, "page": "1-5",
}


class _Checker(HTMLParser):
    ALLOWED = {"i", "b", "em", "sup", "sub", "span", "div"}

    def __init__(self):
        super().__init__()
        self.stack, self.tags = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"unbalanced </{tag}>"
        self.stack.pop()


@pytest.mark.parametrize("style", ["apa", "american-medical-association", "modern-language-association",
                                   "apa-annotated-bibliography", "chicago-author-date", "nature"])
def test_html_is_escaped_and_balanced(style):
    entry = render_bibliography([NASTY], style)[0]
    checker = _Checker()
    checker.feed(entry.html)
    checker.close()
    assert not checker.stack
    assert set(checker.tags) <= _Checker.ALLOWED
    assert "<script" not in entry.html and "<img" not in entry.html
    assert "&#60;script&#62;" in entry.html.lower()
    assert "&#38;" in entry.html
    # the rich-text <i> of the title is real italics, not text
    assert "<i>really</i>" in entry.html.lower()
    assert "<script>" in entry.text.lower()  # plain text keeps the characters as written
    assert entry.id == "x&<y>"


def test_markdown_escapes_markup_characters():
    item = dict(NASTY, title="Stars *and* _underscores_ <b>bold</b>")
    md = render_bibliography([item], "apa")[0].markdown
    assert r"\*and\*" in md and r"\_underscores\_" in md
