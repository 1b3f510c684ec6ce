"""The ```python blocks of docs/asr.md run, in order, in one namespace, from the repository root."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "asr.md"


def test_asr_page_examples_run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    blocks = re.findall(r"^```python\n(.*?)^```", DOC.read_text(encoding="utf-8"), flags=re.S | re.M)
    assert len(blocks) >= 6
    monkeypatch.chdir(ROOT)
    namespace: dict[str, object] = {"__name__": "docs_asr"}
    for number, block in enumerate(blocks, 1):
        try:
            exec(compile(block, f"{DOC.name}[python block {number}]", "exec"), namespace)
        except Exception as error:  # pragma: no cover - reported with the block number
            raise AssertionError(f"docs/asr.md python block {number} failed: {error!r}") from error
    printed = capsys.readouterr().out
    assert "True" in printed  # the exact path is bit-identical to the recorded NeMo log-probs
    assert "1 0 1 33.3%" in printed
    assert "bad.jsonl:1: audio file" in printed
