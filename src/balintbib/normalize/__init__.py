"""The normalizer: one consistent library from references of many origins.

`normalize_text` / `normalize_texts` (engine.py) apply the rules (rules.py,
keys.py) and the canonical layout; `lint.py` has the lint codes that
`balintbib check` reports; `dedupe.py` finds and merges duplicates.
"""

from .engine import FileResult, normalize_text, normalize_texts
from .options import NormalizeOptions, load_options

__all__ = ["FileResult", "NormalizeOptions", "load_options", "normalize_text", "normalize_texts"]
