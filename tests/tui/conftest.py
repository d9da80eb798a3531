"""Fixtures for the terminal UI tests: a copy of the sample library and a driven app."""

from __future__ import annotations

import asyncio
import inspect
import shutil
from pathlib import Path

import pytest

from tui_helpers import SAMPLE


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    """Run ``async def`` tests in a fresh event loop (no pytest-asyncio needed)."""
    if inspect.iscoroutinefunction(pyfuncitem.obj):
        args = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
        asyncio.run(pyfuncitem.obj(**args))
        return True
    return None


@pytest.fixture
def sample_bib(tmp_path) -> Path:
    """A writable copy of the sample library (tests may edit it)."""
    target = tmp_path / "library" / "sample.bib"
    target.parent.mkdir()
    shutil.copyfile(SAMPLE, target)
    return target
