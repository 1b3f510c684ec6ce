"""The ```python blocks of docs/classification.md run, in order, in one namespace, from the repository root."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[4]
DOC = ROOT / "docs" / "classification.md"


def test_classification_page_examples_run(monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = re.findall(r"^```python\n(.*?)^```", DOC.read_text(encoding="utf-8"), flags=re.S | re.M)
    assert len(blocks) >= 5
    monkeypatch.chdir(ROOT)
    namespace: dict[str, object] = {"__name__": "docs_classification"}
    for number, block in enumerate(blocks, 1):
        try:
            exec(compile(block, f"{DOC.name}[python block {number}]", "exec"), namespace)
        except Exception as error:  # pragma: no cover - reported with the block number
            raise AssertionError(f"docs/classification.md python block {number} failed: {error!r}") from error
