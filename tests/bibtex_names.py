"""Run BibTeX itself (``bibtex`` with tests/data/names.bst) over name lists, and
collect the name lists of the corpus: the reference that balintbib.names is
compared with (tests/test_names_bibtex.py, benchmarks/bench_names.py)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

BST = Path(__file__).resolve().parent / "data" / "names.bst"
PARTS = ("first", "von", "last", "jr")


def bibtex_available() -> bool:
    return shutil.which("bibtex") is not None


def run_bibtex(values: list[str], workdir: Path) -> list[list[tuple[str, list[list[str]]]]]:
    """For each name list: ``[(default rendering, [tokens of each part])]`` per name."""
    workdir.mkdir(parents=True, exist_ok=True)
    shutil.copy(BST, workdir / "names.bst")
    with open(workdir / "t.bib", "w", encoding="utf-8") as fh:
        for i, v in enumerate(values):
            fh.write(f"@misc{{n{i}, names = {{{v}}}}}\n")
    (workdir / "t.aux").write_text("\\citation{*}\n\\bibdata{t}\n\\bibstyle{names}\n")
    subprocess.run(["bibtex", "-terse", "t"], cwd=workdir, capture_output=True, check=False)
    raw = (workdir / "t.bbl").read_text(encoding="utf-8", errors="surrogateescape").split("\n")
    lines: list[str] = []
    for line in raw:  # BibTeX breaks .bbl lines longer than 79 at a space and indents by two
        if line.startswith("  ") and lines:
            lines[-1] += " " + line[2:]
        else:
            lines.append(line)
    out: list[list[tuple[str, list[list[str]]]]] = [[] for _ in values]
    i = 0
    head = re.compile(r"n(\d+)#(\d+)$")
    while i < len(lines):
        m = head.match(lines[i])
        if not m:
            i += 1
            continue
        k, count = int(m.group(1)), int(m.group(2))
        names = []
        for j in range(count):
            default = lines[i + 1 + 2 * j]
            tokens = lines[i + 2 + 2 * j].split("|")
            names.append((default, [t.split("@") if t else [] for t in tokens]))
        out[k] = names
        i += 1 + 2 * count
    return out


def corpus_name_values(corpus: Path) -> list[str]:
    """Every distinct name-list value in the corpus (person fields, macros resolved),
    with white space compressed as BibTeX stores it."""
    from balintbib.formats import bibtex
    from balintbib.model import PERSON_FIELDS, resolve_expression

    seen: dict[str, None] = {}
    from _paths import corpus_bib_files

    for path in corpus_bib_files(corpus):
        bf = bibtex.parse(bibtex.read_text(path), str(path))
        macros = bf.strings
        for entry in bf.entries:
            for f in entry.fields:
                if f.name.lower() not in PERSON_FIELDS:
                    continue
                value = f.literal if f.literal is not None else resolve_expression(f.value, macros)
                value = " ".join(value.split())
                if value and _balanced(value):
                    seen.setdefault(value, None)
    return list(seen)


def _balanced(s: str) -> bool:
    depth = 0
    for c in s:
        depth += (c == "{") - (c == "}")
        if depth < 0:
            return False
    return depth == 0


def as_meant(value: str) -> str:
    """A name list as its author meant it, in the spelling BibTeX 0.99d reads right:
    accent and letter commands outside braces braced (``Pi\\~{n}a`` -> ``Pi{\\~{n}}a``),
    accented letters spelled as special characters (``É`` -> ``{\\'E}``)."""
    from balintbib.names import _COMMAND_CHAR
    from balintbib.normalize.latexchars import encode_accents

    out, depth, i = [], 0, 0
    while i < len(value):
        c = value[i]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif c == "\\" and depth == 0:
            m = _COMMAND_CHAR.match(value, i)
            if m:
                out.append("{" + m.group() + "}")
                i = m.end()
                continue
        out.append(c if depth else encode_accents(c))
        i += 1
    return "".join(out)
