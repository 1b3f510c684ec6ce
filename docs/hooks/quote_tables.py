"""MkDocs hook: the benchmarks page quotes the measured tables where the other pages keep them, never a copy.

A line ``<!-- quote: PAGE | NEEDLE -->`` in a page is replaced by the paragraph of PAGE (a path from the repository
root) that contains NEEDLE, followed by the table after it, then a line naming where it comes from;
``<!-- quote-text: PAGE | NEEDLE -->`` quotes the paragraph alone (figures given in prose). A quote that finds no
such paragraph, or no table after it, stops the build, so a moved table cannot leave a stale copy behind.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
QUOTE = re.compile(r"^<!-- quote(?P<text>-text)?: (?P<page>[^|]+?) \| (?P<needle>.+?) -->$", re.M)


class QuoteError(Exception):
    """A quote whose page, paragraph or table is missing."""


def quote(page: str, needle: str, *, table_too: bool = True) -> str:
    """The paragraph of `page` that contains `needle`, and (`table_too`) the first table after it."""
    path = ROOT / page
    if not path.is_file():
        raise QuoteError(f"quote: {page} does not exist")
    lines = path.read_text(encoding="utf-8").splitlines()
    starts = [i for i, line in enumerate(lines) if needle in line]
    if not starts:
        raise QuoteError(f"quote: no line of {page} contains {needle!r}")
    first = starts[0]
    while first > 0 and lines[first - 1].strip():
        first -= 1
    if not table_too:
        end = starts[0]
        while end < len(lines) and lines[end].strip():
            end += 1
        return _cite(_without_lead_in(lines[first:end]), page)
    table = next((i for i in range(starts[0], len(lines)) if lines[i].startswith("|")), None)
    if table is None:
        raise QuoteError(f"quote: no table follows {needle!r} in {page}")
    end = table
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    return _cite(lines[first:end], page)


def _without_lead_in(paragraph: list[str]) -> list[str]:
    """The paragraph without a last sentence that ends in ':' (it introduces a block the quote leaves out)."""
    text = "\n".join(paragraph).rstrip()
    if not text.endswith(":"):
        return paragraph
    cut = max(text.rfind(". "), text.rfind(".\n"))
    return text[: cut + 1].split("\n") if cut > 0 else paragraph


def _cite(lines: list[str], page: str) -> str:
    source = page.removeprefix("docs/")
    where = f"[{source}]({source})" if page.startswith("docs/") else f"`{page}`"
    return "\n".join([*lines, "", f"<small>Quoted from {where}.</small>"])


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    return QUOTE.sub(
        lambda m: quote(m.group("page").strip(), m.group("needle").strip(), table_too=not m.group("text")), markdown
    )
