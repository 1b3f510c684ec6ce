"""The ```python blocks of docs/tts.md run, in order, in one namespace, from the repository root."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "tts.md"


def test_tts_page_examples_run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    blocks = re.findall(r"^```python\n(.*?)^```", DOC.read_text(encoding="utf-8"), flags=re.S | re.M)
    assert len(blocks) >= 4
    monkeypatch.chdir(ROOT)
    namespace: dict[str, object] = {"__name__": "docs_tts"}
    for number, block in enumerate(blocks, 1):
        block = block.replace('"hello.wav"', repr(str(tmp_path / "hello.wav")))
        try:
            exec(compile(block, f"{DOC.name}[python block {number}]", "exec"), namespace)
        except Exception as error:  # pragma: no cover - reported with the block number
            raise AssertionError(f"docs/tts.md python block {number} failed: {error!r}") from error
    assert (tmp_path / "hello.wav").exists()
