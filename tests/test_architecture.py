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
    # every other module of the package but the two faces (and __main__, which starts the CLI)
    src = ROOT / "src"
    optional = sorted(
        ".".join(path.relative_to(src).with_suffix("").parts).removesuffix(".__init__")
        for path in (src / "balintbib").rglob("*.py")
        if path.relative_to(src / "balintbib").parts[0] not in ("cli", "tui", "__main__.py"))
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
