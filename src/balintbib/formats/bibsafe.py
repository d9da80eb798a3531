"""What may reach the .bib writer: names, keys and values that read back as written.

Data arrives from outside (a Mendeley group's documents and their
``client_data``, CSL-JSON files, other tools).  An entry type like
``misc}{x,}\\n@preamble{...}\\n@misc`` or a value like ``see below},\\n url = {...``
written as is would open a new block or add a field in everyone's library.
Every entry the writer renders is checked here first (`entry_problems`), and
the readers of outside formats use the same patterns to keep such input out
of the model in the first place.

The patterns are data: what BibTeX and biber read as an entry type, a
citation key and a field name (the library's own reader reads the same).
"""

from __future__ import annotations

import re

from ..errors import BalintError

#: An entry type: ``@article``, ``@inproceedings``, ``@Online``.
TYPE_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_:.+\-]*")
#: A field name from outside (Mendeley's stash, CSL-JSON ``custom``): letters, digits, ``_-:.+/``.
FIELD_NAME_PATTERN = re.compile(r"[a-z_][a-z0-9_:.+\-/]*")
#: A citation key from outside (a group's ``citation_key``, a CSL-JSON ``id``).
KEY_PATTERN = re.compile(r"[A-Za-z0-9_:.+\-/]{1,120}")
#: What the writer accepts: whatever the library's reader reads back unchanged
#: (field names are read lower-cased; a key ends at a comma, space, brace or parenthesis).
WRITABLE_FIELD_NAME = re.compile(r"[^\sA-Z=,{}\"#()%]+")
WRITABLE_KEY = re.compile(r"[^,\s{}()]*")
WRITABLE_TYPE = re.compile(r"[A-Za-z_][\w:.+\-]*")
#: Block kinds that are not entries: a type spelled so would open one of them.
NOT_ENTRY_TYPES = frozenset({"string", "preamble", "comment"})
#: A remote name and a document id in ``remote-ids``.
REMOTE_NAME_PATTERN = re.compile(r"[A-Za-z0-9_\-]{1,64}")
REMOTE_ID_PATTERN = re.compile(r"[A-Za-z0-9_.\-]{1,128}")
#: Characters no BibTeX value may hold (tab, newline and carriage return are white space).
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: One part of a value expression: ``{...}`` (checked separately), ``"..."``, a number or a macro.
_BARE_WORD = re.compile(r"[^\s,{}\"#()=%]+")
_BRACES = re.compile(r"[{}]")


class UnsafeEntry(BalintError):
    """An entry that would not read back as written (nothing is written)."""


class BadText(BalintError):
    """Text that no BibTeX value can hold (a control character)."""


def control_characters(text: str) -> list[str]:
    """The control characters in `text`, as ``U+0000`` (empty when there are none)."""
    return sorted({f"U+{ord(c):04X}" for c in CONTROL_CHARS.findall(text)})


def strip_controls(text: str) -> str:
    return CONTROL_CHARS.sub("", text)


def balanced(content: str) -> bool:
    """True when every brace closes and none closes before it opens (BibTeX
    counts every brace, escaped or not)."""
    depth = 0
    for m in _BRACES.finditer(content):
        depth += 1 if m.group() == "{" else -1
        if depth < 0:
            return False
    return depth == 0


def balance(content: str) -> str:
    """Content whose stray braces are spelled as text (``\\textbraceleft{}``),
    so that it reads back as one value with the same plain text."""
    if balanced(content):
        return content
    out: list[str] = []
    depth = 0
    opens: list[int] = []  # positions in `out` of braces still open
    for ch in content:
        if ch == "{":
            opens.append(len(out))
            out.append(ch)
            depth += 1
        elif ch == "}":
            if depth == 0:
                out.append(r"\textbraceright{}")
            else:
                depth -= 1
                opens.pop()
                out.append(ch)
        else:
            out.append(ch)
    for i in opens:
        out[i] = r"\textbraceleft{}"
    return "".join(out)


def unbalance(content: str) -> str:
    """The inverse of `balance` for verbatim fields (a URL's stray brace comes back)."""
    if "\\textbrace" not in content:
        return content
    return content.replace(r"\textbraceleft{}", "{").replace(r"\textbraceright{}", "}")


def valid_expression(expr: str) -> bool:
    """True for a BibTeX value expression: parts (``{...}``, ``"..."``, a number or
    a macro name) joined by ``#``, and nothing else."""
    i, n = 0, len(expr)
    want_part = True
    while True:
        while i < n and expr[i] in " \t\r\n":
            i += 1
        if i >= n:
            return not want_part
        c = expr[i]
        if not want_part:
            if c != "#":
                return False
            i += 1
            want_part = True
            continue
        if c == "{":
            depth, j = 0, i
            while j < n:
                if expr[j] == "{":
                    depth += 1
                elif expr[j] == "}":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            if j >= n:
                return False
            i = j + 1
        elif c == '"':
            depth, j = 0, i + 1
            while j < n:
                ch = expr[j]
                if ch == "{":
                    depth += 1
                elif ch == "}":
                    depth -= 1
                    if depth < 0:
                        return False
                elif ch == '"' and depth == 0:
                    break
                j += 1
            if j >= n:
                return False
            i = j + 1
        else:
            m = _BARE_WORD.match(expr, i)
            if not m:
                return False
            i = m.end()
        want_part = False


def value_problem(name: str, content: str, is_expression: bool = False) -> str | None:
    """Why `content` cannot be written as field `name` (None when it can)."""
    if "\x00" in content:
        return f"field {name!r} holds a NUL character"
    if is_expression:
        if not valid_expression(content):
            return f"field {name!r} is not a BibTeX expression: {content[:40]!r}"
    elif not balanced(content):
        return f"field {name!r} has unbalanced braces"
    return None


def entry_problems(key: str, entry_type: str, fields: dict[str, str], expressions=()) -> list[str]:
    """Everything in an entry that would not read back exactly as it is."""
    out = []
    if not WRITABLE_TYPE.fullmatch(entry_type or "") or entry_type.lower() in NOT_ENTRY_TYPES:
        out.append(f"entry type {entry_type[:40]!r} is not a BibTeX type")
    if not WRITABLE_KEY.fullmatch(key):
        out.append(f"citation key {key[:40]!r} is not a BibTeX key")
    for name, content in fields.items():
        if not WRITABLE_FIELD_NAME.fullmatch(name):
            out.append(f"field name {name[:40]!r} is not a BibTeX field name")
            continue
        problem = value_problem(name, content, name in expressions)
        if problem:
            out.append(problem)
    return out


def check_entry(ref) -> None:
    """Raise `UnsafeEntry` (one line) if `ref` would not read back as written."""
    problems = entry_problems(ref.key, ref.type, ref.fields, ref.expressions)
    if problems:
        raise UnsafeEntry(f"refusing to write entry {ref.key[:40]!r}: {problems[0]}"
                          + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""))
