"""docs/index.md, the getting-started page: its python blocks run in order in one namespace (the voice swap on
the shipped clip with the real models), and a block whose first line is ``# raises NTxxx`` raises that code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import neuraltypes as nt

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "index.md"


def test_getting_started_page_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = re.findall(r"^```python\n(.*?)^```", DOC.read_text(encoding="utf-8"), flags=re.S | re.M)
    assert len(blocks) >= 3, "docs/index.md lost its examples"
    (tmp_path / "examples").symlink_to(ROOT / "examples")  # the page's paths are the repository's
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "docs_index"}
    for number, block in enumerate(blocks, 1):
        code = compile(block, f"docs/index.md block {number}", "exec")
        expected = re.match(r"# raises (NT\d{3})", block)
        if expected:
            with pytest.raises(nt.NeuralTypesError) as info:
                exec(code, namespace)  # noqa: S102
            assert info.value.code == expected.group(1), f"docs/index.md block {number}"
        else:
            exec(code, namespace)  # noqa: S102
    result = namespace["result"]
    assert (tmp_path / "swapped.wav").stat().st_size > 10_000
    assert "amiable" in result.transcript.lower()  # type: ignore[attr-defined]
