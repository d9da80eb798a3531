"""Text case and formatting (CSL 1.0.2 "Formatting", "Text-case", "Display",
"Quotes", "Strip-periods"): the marker formatter and the mixins every
rendering element uses for ``text-case``, ``strip-periods``, ``display`` and
``quotes``."""

from __future__ import annotations

import re

from citeproc.string import MixedString, NoCase, String

from ..markup import CLOSE, MARKERS, OPEN, wrap
from .punctuation import KEEP_SPACE, SEAL

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


# citeproc-js's skip words for title case (its ``CSL.SKIP_WORDS``: the CSL
# 1.0.2 stop words plus prepositions, "next", "near", "et", "al", "c", "ca").
# Matched against a whole lower-cased word as citeproc-js matches them: as a
# regular expression, so "v." also skips "vi", "vo"... (single-word entries
# only: a word never contains a space or a hyphen).
_SKIP_WORDS = (
    "about above across afore after against al along alongside amid amidst among amongst anenst "
    "apropos apud around as aside astride at athwart atop barring before behind below beneath "
    "beside besides between beyond but by circa despite down during et except for forenenst from "
    "given in inside into lest like modulo near next notwithstanding of off on onto out over per "
    "plus pro qua sans since than through throughout thruout till to toward towards under "
    "underneath until unto up upon versus vs. v. vs v via with within without or yet so and nor "
    "a an the de d' von van c ca").split()
SKIP_WORD = re.compile("^(?:" + "|".join(_SKIP_WORDS) + ")$")

# What splits a title into strings for title case (citeproc-js's tag list):
# quotation marks, dashes, the slash, sentence punctuation and brackets (and
# the invisible seal between punctuation of one field, see .punctuation).
_NUMBER_VARIABLES = frozenset({"edition", "volume", "issue", "number", "chapter-number",
                               "collection-number", "number-of-pages", "number-of-volumes"})
_TITLE_TAGS = frozenset("\u2018\u2019\u201c\u201d\"'-\u2013\u2014/.,;?!:[]()" + SEAL)
_APOSTROPHES = frozenset("'\u2019")


class TextCaseMixin:
    """CSL 1.0.2 "Text-case" on any rendered text, formatted or not."""

    def case(self, text, language=None):
        """Fix: ``text-case`` as citeproc-js applies it.

        * never crashes on plain ``str`` (styles with ``text-case`` on
          formatted macros: the all-styles sweep);
        * skips formatting markers and ``nocase`` spans (``textcase_NoCase*``);
        * ``title``, ``sentence``, ``capitalize-first``, ``capitalize-all``:
          citeproc-js's word-by-word engine (:func:`title_case`,
          :func:`sentence_case`, :func:`capitalize_first`,
          :func:`capitalize_all`); title case only for English items
          (``textcase_TitleCase*``).
        """
        text_case = self.get("text-case")
        if text_case is None or text is None:
            return text
        if text_case == "capitalize-first" and self.get("variable") in _NUMBER_VARIABLES \
                and not any(protected for _, protected in _segments(text)) \
                and not any(c in MARKERS for c in str(text)):
            return String(capitalize_number_elements(str(text)))
        if isinstance(text, (int, float)):
            text = String(str(text))
        segs = list(_segments(text))
        chars = [c for s, p in segs for c in s]
        protected = [p or c in MARKERS for s, p in segs for c in s]
        if text_case in ("lowercase", "uppercase"):
            conv = str.lower if text_case == "lowercase" else str.upper
            chars = [c if protected[i] else conv(c) for i, c in enumerate(chars)]
        elif text_case == "capitalize-first":
            chars = capitalize_first(chars, protected)
        elif text_case == "capitalize-all":
            chars = capitalize_all(chars, protected)
        elif text_case == "sentence":
            chars = sentence_case(chars, protected)
        elif text_case == "title":
            # an English item: "en", "en-GB", also "English", "eng" (citeproc-js
            # reads the first two letters, in any case)
            if language not in (None, "") and str(language)[:2].lower() != "en":
                return text
            chars = title_case(chars, protected)
        return _rebuild(chars, [p and c not in MARKERS for c, p in zip(chars, protected)]) \
            if any(protected) else String("".join(chars))


# citeproc-js's number parser: the joiners that split a number variable into
# elements, and a short lower-case word it reads as a label ("with ", "ed.")
_NUMBER_JOINERS = re.compile(r"(\s*&\s*|,\s+and\s+|\s+and\s+|;\s+|,\s+|\s*[-\u2013]+\s*)")
_NUMBER_LABEL = re.compile(r"^[a-z]{1,4}(?:\.| ) *")


def capitalize_number_elements(text: str) -> str:
    """``text-case="capitalize-first"`` on a number variable that is not a
    number (an edition written out), as citeproc-js applies it: its number
    parser splits the value at ", ", "; ", "&", "and" and hyphens, and each
    element gets capitalize-first on its own; after the first element a
    leading lower-case word of one to four letters followed by a space or a
    period is read as a label and left as written. Examples (MLA):
    "ninth Dover printing, tenth GPO printing" -> "Ninth Dover printing,
    Tenth GPO printing"; "Re-edited" -> "Re-Edited"; "Revised and enlarged"
    -> "Revised and Enlarged"; "23rd printing, with corrections." -> "23rd
    printing, with Corrections."."""
    pieces = _NUMBER_JOINERS.split(text)
    for index in range(0, len(pieces), 2):
        piece = pieces[index]
        start = _NUMBER_LABEL.match(piece).end() if index and _NUMBER_LABEL.match(piece) else 0
        word = piece[start:].split(" ", 1)[0]
        if word and word == word.lower() and word[:1].isalpha() and len(word[0].upper()) == 1:
            pieces[index] = piece[:start] + word[0].upper() + piece[start + 1:]
    return "".join(pieces)


def _title_strings(chars, protected):
    """Split a title into citeproc-js's (tag, string) pairs: tags are marker
    characters and :data:`_TITLE_TAGS`; a ``nocase`` run is a string of its
    own (citeproc-js sees its ``<span>`` tags). Yields (tag index or -1,
    start, end, protected?) for each string, the first one with tag -1."""
    start, tag = 0, -1
    for i, ch in enumerate(chars):
        if ch in MARKERS or (ch in _TITLE_TAGS and not protected[i]):
            yield tag, start, i, i > start and protected[start]
            tag, start = i, i + 1
        elif i > start and protected[i] != protected[i - 1]:
            yield tag, start, i, protected[start]
            tag, start = -2, i  # an invisible tag: the nocase boundary
    yield tag, start, len(chars), len(chars) > start and protected[start]


# formatting whose text citeproc-js leaves out of text case (its tag list:
# small caps, superscript, subscript, nodecor; nocase is protected text)
_SCOPE_OPEN = frozenset(OPEN[k] for k in ("smallcaps", "sup", "sub", "nodecor"))
_SCOPE_CLOSE = frozenset(CLOSE[k] for k in ("smallcaps", "sup", "sub", "nodecor"))
_QUOTE_OPEN = frozenset(OPEN[k] for k in ("quote", "dquote", "squote"))
_QUOTE_CLOSE = frozenset(CLOSE[k] for k in ("quote", "dquote", "squote"))


class _CaseState:
    """What citeproc-js's text-case engine carries from word to word."""

    __slots__ = ("chars", "first", "after_punct", "last_word")

    def __init__(self, chars):
        self.chars = chars
        self.first, self.after_punct, self.last_word = True, False, None


def _case_engine(chars: list[str], protected: list[bool], convert_word) -> _CaseState:
    """citeproc-js's text-case engine (its behaviour, our code): the text is
    split at quotation marks, dashes, ``/``, ``.,;?!:``, brackets and
    formatting into pieces, each piece into words at spaces, and
    ``convert_word(state, start, end, index, count, following)`` changes the
    characters of one word. Pieces in ``nocase``, small caps, superscripts,
    subscripts and ``nodecor`` spans are left as written. The piece after an
    apostrophe, or after a closing quotation mark that closes nothing, keeps
    its first character as written ("Dans l'epilepsie", "Don’t")."""
    original = list(chars)
    chars = list(chars)
    state = _CaseState(chars)
    depth = 0
    quotes: list[str] = []  # open quote markers

    def words_of(start, end, following):
        text = "".join(chars[start:end])
        words = [(m.start() + start, m.end() + start) for m in _WORD_RE_SPLIT.finditer(text)]
        # spaces at the ends count as empty words, as in JavaScript's split:
        # "of m -Plane" leaves "m" alone, it is not the last word before "-"
        lead = 1 if _WORD_SPACE.match(text) else 0
        count = len(words) + lead + (1 if _WORD_SPACE.match(text[-1:]) else 0)
        for j, (a, b) in enumerate(words, lead):
            convert_word(state, a, b, j, count, following)
            state.first = state.after_punct = False
            state.last_word = (a, b)

    pieces = list(_title_strings(chars, protected))
    for index, (tag, start, end, prot) in enumerate(pieces):
        text = "".join(chars[start:end])
        tag_char = chars[tag] if tag >= 0 else ""
        if tag_char in _SCOPE_OPEN:
            depth += 1
        elif tag_char in _SCOPE_CLOSE and depth:
            depth -= 1
        if tag_char and tag_char in "!?:":
            state.after_punct = True
        if tag == -1:
            following = chars[pieces[1][0]] if len(pieces) > 1 and pieces[1][0] >= 0 else None
            if text.strip() and not prot:
                words_of(start, end, following)
        elif depth == 0 and not prot:
            # citeproc-js passes no following tag after the first piece
            words_of(start, end, None)
        elif text.strip():
            state.last_word = None
        restore = False
        if tag_char in _QUOTE_OPEN:
            quotes.append(tag_char)
        elif tag_char in _QUOTE_CLOSE:
            if quotes:
                quotes.pop()
            else:
                restore = True
        elif tag_char in _APOSTROPHES and not protected[tag]:
            # an apostrophe "closes" an open ‘ in citeproc-js; otherwise the
            # piece after it keeps its first character as written
            if quotes and quotes[-1] == OPEN["squote"]:
                quotes.pop()
            else:
                restore = True
        if restore and start < end:
            chars[start] = original[start]
            state.last_word = None
        if text.strip():
            state.first = state.after_punct = False
    return state


def title_case(chars: list[str], protected: list[bool]) -> list[str]:
    """Fix: ``text-case="title"`` as citeproc-js converts titles (CSL 1.0.2
    "Title case conversion"), through :func:`_case_engine`.

    A word is capitalized only when it is all lower case ("eBay", "pH",
    "AlGaN" stay) and it is not a skip word of two letters or more, or it is
    the first word, or the first after ``: ? !`` ("Reasoning: The Case"; not
    after "." or "–"). Skip words stay as written ("next Door",
    "near-Ultraviolet": ``near``, ``next``, ``et`` are citeproc-js skip
    words); the last word of the title is capitalized even if it is a skip
    word. In the first piece only, a one-letter word before a hyphen is
    capitalized; elsewhere one-letter words stay ("CuI p-i-n Photodiode",
    "in x Ga"). Only the first character of a word changes: "$\\beta$"
    stays, and a lone Greek letter stays.

    Example: "the wrapper: next Door to l'epilepsie of self-care" ->
    "The Wrapper: Next Door to l'epilepsie of Self-Care".
    """
    def convert(state, a, b, j, count, following):
        word = "".join(state.chars[a:b])
        lower = word.lower()
        capitalize = (len(word) > 1 and not SKIP_WORD.match(lower)) or state.first \
            or state.after_punct or (j == count - 1 and following == "-")
        if capitalize and word == lower:
            _capitalize_at(state.chars, a, b)

    state = _case_engine(chars, protected, convert)
    if state.last_word is not None:
        a, b = state.last_word
        word = "".join(state.chars[a:b])
        if len(word) > 1 and SKIP_WORD.match(word.lower()):
            _capitalize_at(state.chars, a, b)
    return state.chars


def capitalize_all(chars: list[str], protected: list[bool]) -> list[str]:
    """``text-case="capitalize-all"`` as citeproc-js: every all-lower-case
    word gets its first character in upper case ("lessard v. schmidt" ->
    "Lessard V. Schmidt"; a ``nodecor`` span is left alone:
    ``flipflop_ItalicsWithOkAndTextcase``)."""
    def convert(state, a, b, j, count, following):
        word = "".join(state.chars[a:b])
        if word == word.lower():
            _capitalize_at(state.chars, a, b)
    return _case_engine(chars, protected, convert).chars


def capitalize_first(chars: list[str], protected: list[bool]) -> list[str]:
    """``text-case="capitalize-first"`` as citeproc-js: the first word, if
    all lower case, gets its first character in upper case ("(ed.)" ->
    "(Ed.)"); text in ``nocase`` first leaves the rest alone."""
    def convert(state, a, b, j, count, following):
        word = "".join(state.chars[a:b])
        if state.first and word == word.lower():
            _capitalize_at(state.chars, a, b)
    return _case_engine(chars, protected, convert).chars


def sentence_case(chars: list[str], protected: list[bool]) -> list[str]:
    """``text-case="sentence"`` as citeproc-js (and the CSL test suite,
    ``textcase_SentenceCapitalization``): the first word gets its first
    character in upper case, every other word is lowered, text in
    ``nocase`` excepted ("This is a Pen that is a <nocase>Smith</nocase>
    Pencil" -> "This is a pen that is a Smith pencil"). CSL 1.0.2 keeps the
    other words of a mixed-case string as written; citeproc-js lowers them,
    and styles asking for sentence case are written against it."""
    def convert(state, a, b, j, count, following):
        if state.first:
            _capitalize_at(state.chars, a, b)
        else:
            state.chars[a:b] = [c.lower() if len(c.lower()) == 1 else c for c in state.chars[a:b]]
    return _case_engine(chars, protected, convert).chars


# word separators: citeproc-js's spaces, and the narrow no-break space that
# balintbib puts before ":" in field data (citeproc-js adds it after text case)
_WORD_RE_SPLIT = re.compile(r"[^\u0020\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_WORD_SPACE = re.compile(r"[\u0020\u00a0\u2000-\u200b\u202f\u205f\u3000]")


def _capitalize_at(chars, start, end):
    """citeproc-js's capitalise: the first character of the word in upper
    case, except a lone Greek letter."""
    if end - start == 1 and "\u0370" <= chars[start] <= "\u03ff":
        return
    chars[start] = chars[start].upper() if len(chars[start].upper()) == 1 else chars[start]


class StripPeriodsMixin:
    def strip_periods(self, string):
        """``strip-periods`` on any string type (citeproc-py needs ``String``)."""
        if self.get("strip-periods", "false").lower() == "true" and string is not None:
            if isinstance(string, (MixedString, String)):
                return string.replace(".", "")
            return String(str(string).replace(".", ""))
        return string


_DECORATIONS = ("font-style", "font-variant", "font-weight", "text-decoration", "vertical-align")


def is_decorated(element, quotes: bool = False) -> bool:
    """Whether `element` sets formatting (``font-style`` and the rest, any
    value, "normal" too), or with `quotes` also ``quotes="true"``: what
    citeproc-js calls a blob's decorations."""
    attrib = element.attrib
    return any(name in attrib for name in _DECORATIONS) or (
        quotes and attrib.get("quotes", "false").lower() == "true")


def climb_kept_space(element, text):
    """The :data:`.punctuation.KEEP_SPACE` marks of :meth:`DisplayMixin.wrap`
    where pieces meet in their parent `element` (a ``cs:group``, a
    ``cs:text`` calling a macro, the layout): a last piece that ends with the
    space of a formatted element's suffix passes the space up when `element`
    has no formatting or quotes (citeproc-js moves it to `element`'s suffix,
    where a space opening the next piece's prefix merges with it), and
    between pieces joined by a delimiter citeproc-js drops the space that
    doubles the delimiter's: the mark is dropped there."""
    if text is None:
        return text
    value = str(text)
    if KEEP_SPACE not in value:
        return text
    delimiter = element.get("delimiter")
    if delimiter:
        value = value.replace(KEEP_SPACE + delimiter, delimiter)
    if value.endswith(KEEP_SPACE) and not is_decorated(element, quotes=True):
        value = value[:-1]
    return String(value)


class DisplayMixin:
    def wrap(self, string):
        """CSL 1.0.2 "display": ``block``, ``left-margin``, ``right-inline``,
        ``indent`` become markers around the affixed output (citeproc-py ignores
        the attribute; fixtures ``display_*``, ``bugreports_DisplayBlock*``)."""
        string = super().wrap(string)
        if string is not None and self.get("suffix", "")[-1:] == " " \
                and str(string)[-1:] == " " and is_decorated(self, quotes=True):
            # a formatted or quoted piece keeps its suffix's space beside a space
            # opening the next prefix (citeproc-js: bourgogne-franche-comte-nature
            # "*TUGboat*  [en ligne]"); see climb_kept_space
            string = String(str(string) + KEEP_SPACE)
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
