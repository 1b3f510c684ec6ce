"""One docstring dialect across src: **Arguments:** / **Returns:** / **Raises:** / **Attributes:** with bullets, and
**Example:** with a fenced block; no Google sections, no RST ``Example::``."""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"

OTHER_DIALECTS = re.compile(
    r"^[ \t]*(Args|Arguments|Returns|Raises|Attributes|Parameters|Yields):\s*$"  # Google / NumPy section headers
    r"|Example::\s*$"  # reStructuredText literal blocks
    r"|\*\*(Arguments|Returns|Raises|Attributes)\*\*(?!:)",  # the house heading without its colon
    re.M,
)


def offending_lines(text: str) -> list[int]:
    return [text.count("\n", 0, match.start()) + 1 for match in OTHER_DIALECTS.finditer(text)]


def test_the_checker_sees_other_dialects():
    assert offending_lines('"""Sum.\n\n    Args:\n        x: a number\n    """') == [3]
    assert offending_lines('"""Sum.\n\n    **Returns** the sum.\n\n    Example::\n"""') == [3, 5]
    assert offending_lines('"""Sum.\n\n    **Arguments:**\n\n    - `x`: a number\n"""') == []


def test_src_uses_one_docstring_dialect():
    found = {
        str(path.relative_to(SRC)): lines
        for path in sorted(SRC.rglob("*.py"))
        if (lines := offending_lines(path.read_text(encoding="utf-8")))
    }
    assert not found, f"other docstring dialects at (file: lines) {found}"
