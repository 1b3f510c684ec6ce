"""docs/contract-testing.md runs: every ```python block, top to bottom, in one namespace (as tests/core/test_docs.py
does for the other pages)."""

from __future__ import annotations

import re
from pathlib import Path

PAGE = Path(__file__).resolve().parents[3] / "docs" / "contract-testing.md"
BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def test_contract_testing_page_examples_run() -> None:
    blocks = BLOCK.findall(PAGE.read_text())
    assert len(blocks) >= 5, "docs/contract-testing.md lost its examples"
    namespace: dict[str, object] = {"__name__": "docs_contract_testing"}
    for number, block in enumerate(blocks, 1):
        exec(compile(block, f"{PAGE.name} block {number}", "exec"), namespace)  # noqa: S102
    assert namespace["report"].examples == 10  # type: ignore[attr-defined]
