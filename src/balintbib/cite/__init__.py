"""balintbib.cite: CSL styles, the fidelity layer over citeproc-py, renderers."""

from .engine import CitationEngine, get_engine, render_bibliography, render_citations  # noqa: F401
from .output import RenderedEntry, RenderFailure  # noqa: F401
from .styles import StyleError, resolve_style  # noqa: F401
