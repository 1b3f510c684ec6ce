"""The ```python blocks of docs/models.md run, in order, in one namespace, in an empty directory."""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[3] / "docs" / "models.md"


def test_models_page_examples_run(tmp_path, monkeypatch):
    pytest.importorskip("lightning")
    blocks = re.findall(r"^```python\n(.*?)^```", DOC.read_text(encoding="utf-8"), flags=re.S | re.M)
    assert len(blocks) >= 8
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NEURALTYPES_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("NEURALTYPES_REGISTRY", raising=False)
    module = types.ModuleType("docs_models")  # dataclasses look their module up in sys.modules
    monkeypatch.setitem(sys.modules, "docs_models", module)
    namespace = module.__dict__
    for number, block in enumerate(blocks, 1):
        try:
            exec(compile(block, f"{DOC.name}[python block {number}]", "exec"), namespace)
        except Exception as error:  # pragma: no cover - reported with the block number
            raise AssertionError(f"docs/models.md python block {number} failed: {error!r}") from error
    assert (tmp_path / "scorer.nta").exists()
