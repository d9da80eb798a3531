"""How a .bib file's bytes become text, and back.

* A byte-order mark decides: UTF-8 (``EF BB BF``), UTF-16 LE (``FF FE``) or
  BE (``FE FF``), UTF-32 LE/BE.  The mark stays in the text (``U+FEFF``) so the
  file is written back with it, in the same encoding.
* Without a mark, the file must be valid UTF-8 (strictly).
* A file that is not valid UTF-8 is read as Windows-1252 only when it holds no
  valid UTF-8 multibyte sequence at all (then it is a legacy file, not a
  UTF-8 file with a stray byte).  A file mixing both is refused with the line
  and byte of the first bad sequence: guessing would turn ``Müller`` into
  ``MÃ¼ller`` on the next write.

Writing encodes with the encoding the file was read in; a character that
encoding cannot hold is an `EncodingError`, never a replacement character, and
a NUL byte is never written into an 8-bit or UTF-8 file.
"""

from __future__ import annotations

import codecs
import re

from ..errors import BalintError

UTF8 = "utf-8"
CP1252 = "windows-1252"

# Longest marks first: UTF-32 LE starts with the UTF-16 LE mark.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, UTF8),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# A valid UTF-8 multibyte sequence (no overlongs, no surrogates).
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]"
    rb"|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}|\xed[\x80-\x9f][\x80-\xbf]"
    rb"|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
# Bytes Windows-1252 leaves undefined.
_CP1252_UNDEFINED = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")


class EncodingError(BalintError):
    """A file whose bytes cannot be read (or text that cannot be written) without guessing."""


def _where(data: bytes, offset: int) -> str:
    line = data.count(b"\n", 0, offset) + 1
    col = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return f"line {line}, byte {col} (0x{data[offset]:02X})"


def decode(data: bytes, path: str = "<bytes>") -> tuple[str, str]:
    """The text of a file's bytes and the encoding it was read in (see the module doc)."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(name), name  # the mark stays in the text as U+FEFF
            except UnicodeDecodeError as exc:
                raise EncodingError(f"{path}: starts with a {name.upper()} byte-order mark but is not "
                                    f"valid {name.upper()} at {_where(data, exc.start)}; nothing was read") from None
    try:
        return data.decode(UTF8), UTF8
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    if _UTF8_MULTIBYTE.search(data):
        raise EncodingError(
            f"{path}: not valid UTF-8 at {_where(data, first_bad)}, though other characters of the file "
            "read as UTF-8: a stray byte from another encoding (fix that character), or a whole file in "
            "another one (convert it to UTF-8); nothing was read")
    bad = _CP1252_UNDEFINED.search(data)
    if bad:
        raise EncodingError(f"{path}: neither UTF-8 nor Windows-1252 at {_where(data, bad.start())}; "
                            "convert the file to UTF-8; nothing was read")
    return data.decode(CP1252), CP1252


def encode(text: str, encoding: str, path: str = "<text>") -> bytes:
    """``text`` in ``encoding``; one clear line when a character does not fit."""
    if encoding in (UTF8, CP1252) and "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise EncodingError(f"{path}: the new text holds a NUL character (line {line}); nothing was written")
    try:
        return text.encode(encoding)
    except UnicodeEncodeError as exc:
        line = text.count("\n", 0, exc.start) + 1
        raise EncodingError(
            f"{path}: the file is {describe(encoding)} and cannot hold {exc.object[exc.start:exc.end]!r} "
            f"(line {line}); nothing was written: convert the file to UTF-8 first") from None


def describe(encoding: str) -> str:
    return {UTF8: "UTF-8", CP1252: "Windows-1252"}.get(encoding, encoding.upper())


def strip_boms(text: str) -> tuple[str, bool]:
    """Text without its leading byte-order mark(s), and whether it had any."""
    stripped = text.lstrip("\ufeff")
    return stripped, len(stripped) != len(text)
