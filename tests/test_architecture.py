"""The core never imports the faces: click and textual stay in cli/ and tui/."""

from __future__ import annotations

import subprocess
import sys

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CORE = [
    "balintbib.model", "balintbib.names", "balintbib.latex", "balintbib.formats.bibtex", "balintbib.formats.csljson",
    "balintbib.library", "balintbib.query", "balintbib.config", "balintbib.fsutil",
]


def test_core_imports_without_click_or_textual():
    optional = ["balintbib.normalize", "balintbib.cite", "balintbib.export", "balintbib.remotes",
                "balintbib.sync", "balintbib.formats.mendeley", "balintbib.testing",
                "balintbib.remotes.base", "balintbib.remotes.config", "balintbib.remotes.auth",
                "balintbib.remotes.mendeley", "balintbib.testing.mendeley", "balintbib.testing.proof",
                "balintbib.sync.merge", "balintbib.sync.plan", "balintbib.sync.state",
                "balintbib.sync.codec", "balintbib.sync.engine",
                "balintbib.formats.sources", "balintbib.formats.ris", "balintbib.formats.medline",
                "balintbib.formats.pubmed_xml", "balintbib.formats.endnote_xml", "balintbib.formats.endnote_tagged", "balintbib.formats.wos",
                "balintbib.intake", "balintbib.lookup", "balintbib.testing.crossref", "balintbib.testing.ncbi"]
    code = (
        "import sys, importlib\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('click', 'textual'):\n"
        "            raise ImportError(f'core imported {name}')\n"
        "sys.meta_path.insert(0, Block())\n"
        f"for m in {CORE!r}: importlib.import_module(m)\n"
        f"for m in {optional!r}:\n"
        "    try: importlib.import_module(m)\n"
        "    except ModuleNotFoundError as e:\n"
        "        if 'core imported' in str(e): raise\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_import_linter_contract_is_kept():
    import shutil

    exe = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    if not Path(exe).exists():
        import pytest

        pytest.skip("import-linter is not installed")
    import os

    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    result = subprocess.run([exe], cwd=ROOT, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
