"""The documentation's code runs: every ```python block of these pages, top to bottom, in one namespace per page.

A block whose first line is ``# raises NTxxx`` must raise a neuraltypes error with that code.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import neuraltypes as nt

ROOT = Path(__file__).resolve().parents[2]
PAGES = ["README.md", "docs/annotating.md", "docs/tags.md", "docs/errors.md", "docs/porting-from-nemo.md"]
BLOCK = re.compile(r"```python\n(.*?)```", re.S)


@pytest.mark.parametrize("page", PAGES)
def test_page_examples_run(page: str) -> None:
    text = (ROOT / page).read_text()
    blocks = BLOCK.findall(text)
    assert blocks, f"{page} has no python example"
    namespace: dict[str, object] = {"__name__": f"docs_{Path(page).stem}"}
    for number, block in enumerate(blocks, 1):
        first = block.splitlines()[0]
        expected = re.match(r"# raises (NT\d{3})", first)
        code = compile(block, f"{page} block {number}", "exec")
        if expected:
            with pytest.raises(nt.NeuralTypesError) as info:
                exec(code, namespace)  # noqa: S102
            assert info.value.code == expected.group(1), f"{page} block {number}"
        elif page == "README.md" and "raises:" in block:
            with pytest.raises(nt.ContractViolation):
                exec(code, namespace)  # noqa: S102
        else:
            exec(code, namespace)  # noqa: S102
