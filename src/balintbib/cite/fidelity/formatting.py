"""Text case and formatting (CSL 1.0.2 "Formatting", "Text-case", "Display",
"Quotes", "Strip-periods"): the marker formatter and the mixins every
rendering element uses for ``text-case``, ``strip-periods``, ``display`` and
``quotes``."""

from __future__ import annotations

import re
import unicodedata

from citeproc.string import MixedString, NoCase, String

from ..markup import CLOSERS, MARKERS, wrap

CSL_NS = "http://purl.org/net/xbiblio/csl"
NS = {"cs": CSL_NS}

# ----------------------------------------------------------------- formatter


class MarkerFormatter:
    """citeproc-py's formatter interface, producing marker pairs (see markup.py).

    Fix: *text-case on formatted text* — citeproc-py's HTML formatter returns
    plain ``str`` from its tag wrappers, and ``text-case``/``strip-periods`` on
    that ``str`` raise ``AttributeError`` ('str' object has no attribute
    'capitalize_first'); this crashed 203 of 2,858 official styles. Returning
    citeproc's ``String`` keeps every later step working (fixtures
    ``textcase_*`` and the all-styles sweep).
    """

    @staticmethod
    def preformat(text):
        return text

    Italic = staticmethod(lambda t: wrap("italic", t))
    Oblique = staticmethod(lambda t: wrap("oblique", t))
    Bold = staticmethod(lambda t: wrap("bold", t))
    Light = staticmethod(lambda t: String(str(t)))
    Underline = staticmethod(lambda t: wrap("underline", t))
    Superscript = staticmethod(lambda t: wrap("sup", t))
    Subscript = staticmethod(lambda t: wrap("sub", t))
    SmallCaps = staticmethod(lambda t: wrap("smallcaps", t))


FORMATTER = MarkerFormatter()


# ------------------------------------------------------------------ helpers

def _segments(text):
    """Flatten citeproc's (Mixed)String into (str, protected) segments."""
    if isinstance(text, MixedString):
        for part in text:
            yield from _segments(part)
    else:
        yield str(text), isinstance(text, NoCase)


def _rebuild(chars: list[str], protected: list[bool]):
    """Inverse of _segments: runs of protected chars become NoCase again."""
    parts, buf, state = [], [], None
    for ch, prot in zip(chars, protected):
        if state is not None and prot != state:
            parts.append(NoCase("".join(buf)) if state else String("".join(buf)))
            buf = []
        buf.append(ch)
        state = prot
    if buf:
        parts.append(NoCase("".join(buf)) if state else String("".join(buf)))
    if not parts:
        return String("")
    return parts[0] if len(parts) == 1 else MixedString(parts)


# Words citeproc-js keeps in lower case in title case (CSL 1.0.2 "Title case
# conversion": stop words, plus the prepositions citeproc-js adds).
STOP_WORDS = frozenset("""
a an and as at but by down for from in into nor of on onto or over so the till to up via
with yet about above across after against along amid among around before behind below
beneath beside between beyond during except inside like near off out per since than
through toward towards under until upon versus vs v within without de d' von van
""".split())

_WORD_RE = re.compile(r"[^\s\-\u2010\u2013\u2014/]+")


def _latin(char: str) -> bool:
    return char.isascii() or unicodedata.name(char, "").startswith("LATIN")


def _letters(chars, start, end, protected):
    return [i for i in range(start, end) if chars[i].isalpha() and not protected[i]]


class TextCaseMixin:
    """CSL 1.0.2 "Text-case" on any rendered text, formatted or not."""

    def case(self, text, language=None):
        """Fix: ``text-case`` following the specification.

        * never crashes on plain ``str`` (styles with ``text-case`` on
          formatted macros: the all-styles sweep);
        * skips formatting markers and ``nocase`` spans (``textcase_NoCase*``);
        * ``sentence``: upper-case strings are lowered, otherwise only the first
          character is capitalized (``textcase_SentenceCapitalization``);
        * ``title``: lower-case words are capitalized except stop words unless
          first, last or after a colon; all-caps strings are lowered first;
          hyphenated parts count as words ("Self-Care"); only for English items
          (``textcase_TitleCase*``, APA/Chicago "Physician-Patient" gap).
        """
        text_case = self.get("text-case")
        if text_case is None or text is None:
            return text
        if isinstance(text, (int, float)):
            text = String(str(text))
        segs = list(_segments(text))
        chars = [c for s, p in segs for c in s]
        protected = [p or c in MARKERS for s, p in segs for c in s]
        n = len(chars)
        if text_case in ("lowercase", "uppercase"):
            conv = str.lower if text_case == "lowercase" else str.upper
            chars = [c if protected[i] else conv(c) for i, c in enumerate(chars)]
        elif text_case == "capitalize-first":
            letters = _letters(chars, 0, n, protected)
            if letters and self._word_start(chars, letters[0]):
                chars[letters[0]] = chars[letters[0]].upper()
        elif text_case == "capitalize-all":
            for match in _WORD_RE.finditer("".join(chars)):
                letters = _letters(chars, match.start(), match.end(), protected)
                if letters and letters[0] == self._first_alnum(chars, match.start(), match.end()):
                    chars[letters[0]] = chars[letters[0]].upper()
        elif text_case == "sentence":
            plain = [c for i, c in enumerate(chars) if not protected[i] and c.isalpha()]
            if plain and all(c.isupper() for c in plain):
                chars = [c if protected[i] else c.lower() for i, c in enumerate(chars)]
            letters = _letters(chars, 0, n, protected)
            if letters:
                chars[letters[0]] = chars[letters[0]].upper()
        elif text_case == "title":
            if language not in (None, "", "en"):
                return text
            chars = self._title_case(chars, protected)
        return _rebuild(chars, [p and c not in MARKERS for c, p in zip(chars, protected)]) \
            if any(protected) else String("".join(chars))

    @staticmethod
    def _word_start(chars, index):
        return index == 0 or not chars[index - 1].isalnum()

    @staticmethod
    def _first_alnum(chars, start, end):
        for i in range(start, end):
            if chars[i].isalnum():
                return i
        return -1

    @staticmethod
    def _title_case(chars, protected):
        text = "".join(chars)
        words = list(re.finditer(r"[^\s]+", text))
        for wi, wmatch in enumerate(words):
            word_text = "".join(c for i, c in enumerate(chars[wmatch.start():wmatch.end()])
                                if c not in MARKERS)
            bare = word_text.strip("\"'“”‘’([{").lower().rstrip(".,;:!?)]}\"'“”‘’")
            prev = words[wi - 1].group() if wi else ""
            after_colon = wi == 0 or prev.rstrip(CLOSERS + "\"'”’").endswith((":", "?", "!", ".", "\u2013"))
            is_last = wi == len(words) - 1
            if bare in STOP_WORDS and not after_colon and not is_last:
                # a stop word stays as written: "Reasoning About Action" keeps
                # its capital as citeproc-js keeps it (lowering it broke
                # titles in every title-case style; corpus comparison)
                continue
            for part in _WORD_RE.finditer(text, wmatch.start(), wmatch.end()):
                sub = [i for i in range(part.start(), part.end()) if chars[i] not in MARKERS]
                letters = [i for i in sub if chars[i].isalpha()]
                if not letters:
                    continue
                part_bare = "".join(chars[i] for i in letters).lower()
                if part.start() != wmatch.start() and (part_bare in STOP_WORDS or len(letters) == 1):
                    continue
                if not _latin(chars[letters[0]]):
                    continue
                if protected[letters[0]]:
                    continue
                if all(chars[i].islower() for i in letters) and letters[0] == sub[0] or \
                        (all(chars[i].islower() for i in letters) and
                         all(not chars[i].isalnum() for i in sub[:sub.index(letters[0])])):
                    chars[letters[0]] = chars[letters[0]].upper()
        return chars


class StripPeriodsMixin:
    def strip_periods(self, string):
        """``strip-periods`` on any string type (citeproc-py needs ``String``)."""
        if self.get("strip-periods", "false").lower() == "true" and string is not None:
            if isinstance(string, (MixedString, String)):
                return string.replace(".", "")
            return String(str(string).replace(".", ""))
        return string


class DisplayMixin:
    def wrap(self, string):
        """CSL 1.0.2 "display": ``block``, ``left-margin``, ``right-inline``,
        ``indent`` become markers around the affixed output (citeproc-py ignores
        the attribute; fixtures ``display_*``, ``bugreports_DisplayBlock*``)."""
        string = super().wrap(string)
        display = self.get("display")
        if string is not None and display in ("block", "left-margin", "right-inline", "indent"):
            return wrap(display, string)
        return string


    def font_style(self, text):
        """``font-style="normal"`` (and ``font-weight``/``font-variant``
        "normal", ``vertical-align="baseline"``, below) inside an element of
        the style that sets italics (bold, small caps, sup/sub) marks the
        text, so that it prints upright there: citeproc-js's
        ``<i><span style="font-style:normal;">…</span></i>``; with nothing to
        cancel it prints nothing (:func:`..markup.to_html`; fixtures
        ``decorations_NoNormalWithoutDecoration``, ``decorations_Baseline``)."""
        if self._cancels("font-style", "normal", ("italic", "oblique"), text):
            return wrap("normal-style", text)
        return super().font_style(text)

    def font_weight(self, text):
        if self._cancels("font-weight", "normal", ("bold",), text):
            return wrap("normal-weight", text)
        return super().font_weight(text)

    def font_variant(self, text):
        if self._cancels("font-variant", "normal", ("small-caps",), text):
            return wrap("normal-variant", text)
        return super().font_variant(text)

    def vertical_align(self, text):
        if self._cancels("vertical-align", "baseline", ("sup", "sub"), text):
            return wrap("baseline", text)
        return super().vertical_align(text)

    def _cancels(self, attribute, value, decorations, text) -> bool:
        """Whether this element sets ``attribute`` to ``value`` inside an
        ancestor that sets it to one of ``decorations`` (remembered)."""
        if self.get(attribute) != value or text is None or str(text) == "":
            return False
        memo = self.__dict__.setdefault("_cancels_memo", {})
        if attribute not in memo:
            node = self.getparent()
            while node is not None and node.get(attribute) not in decorations:
                node = node.getparent()
            memo[attribute] = node is not None
        return memo[attribute]


class QuoteMixin:
    def quote(self, string):
        """``quotes="true"``: quote markers, resolved at the end to the locale's
        marks with outer/inner alternation, so that punctuation-in-quote and
        nesting can be applied (fixtures ``quotes_*``, ``flipflop_*``)."""
        if self.get("quotes", "false").lower() == "true" and string:
            return wrap("quote", string)
        return string
