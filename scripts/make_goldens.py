"""Regenerate the citeproc-js golden files in tests/goldens/.

    PYTHONPATH=src python scripts/make_goldens.py tests/data/balint-sample.csl.json \
        tests/goldens/balint-sample.json

Styles are resolved exactly as balintbib resolves them (bundled collection,
curated styles/ folder, dependent -> parent with the dependent's locale), so
the goldens and the tests use the same style files. Needs node and the npm
package `citeproc` (CITEPROC_JS=/path/to/node_modules/citeproc).
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from balintbib.cite.styles import locales_dir, resolve_style

STYLES = [
    "apa", "american-medical-association", "nlm-citation-sequence", "chicago-author-date",
    "harvard-cite-them-right", "modern-language-association", "ieee", "nature", "bmj",
    "the-lancet", "elsevier-harvard", "apa-annotated-bibliography",
    "chicago-notes-bibliography-annotated", "modern-language-association-annotated-bibliography",
    "balint-journal", "family-medicine", "academic-medicine",
]


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__)
        return 2
    items, out = argv[0], argv[1]
    styles = argv[2:] or STYLES
    here = Path(__file__).resolve().parent
    cmd = ["node", str(here / "citeproc_js_goldens.mjs"), "--items", items,
           "--locales", str(locales_dir()), "--out", out]
    for name in styles:
        resolved = resolve_style(name)
        spec = f"{name}={resolved.path}"
        if resolved.default_locale:
            spec += f"@{resolved.default_locale}"
        cmd += ["--style", spec]
    subprocess.run(cmd, check=True)
    print(f"wrote {out} ({len(styles)} styles)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
