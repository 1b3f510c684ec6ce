"""docs/voice_swap.md: its python blocks run in order in one namespace (from the repository root, on a 3.3 s clip),
the signature it gives is `voice_swap`'s, the options it names are the command's, and its picture is there."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
import torch
from neuraltypes_collections.pipelines import voice_swap

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "voice_swap.md"


def test_the_voice_swap_page_examples_run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    blocks = re.findall(r"^```python\n(.*?)^```", DOC.read_text(encoding="utf-8"), flags=re.S | re.M)
    assert len(blocks) >= 2
    monkeypatch.chdir(ROOT)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # two threads on a busy 2-core machine are many times slower than one
    namespace: dict[str, object] = {"__name__": "docs_voice_swap"}
    try:
        for number, block in enumerate(blocks, 1):
            block = block.replace('"swapped.wav"', repr(str(tmp_path / "swapped.wav")))
            exec(compile(block, f"{DOC.name}[python block {number}]", "exec"), namespace)
    finally:
        torch.set_num_threads(threads)
    assert (tmp_path / "swapped.wav").stat().st_size > 44


def test_the_page_gives_voice_swaps_signature() -> None:
    text = " ".join(DOC.read_text(encoding="utf-8").split())
    parameters = inspect.signature(voice_swap).parameters.values()
    keywords = ", ".join(f"{p.name}={p.default!r}" for p in parameters if p.kind is p.KEYWORD_ONLY)
    assert f"`voice_swap(audio, *, {keywords})`".replace("'", '"') in text, keywords


def test_the_options_the_page_names_are_the_commands(cli) -> None:  # type: ignore[no-untyped-def]
    usage = cli("voice-swap", "--help").stdout
    section = DOC.read_text(encoding="utf-8").split("## The command line")[1].split("\n## ")[0]
    named = set(re.findall(r"(--[a-z][a-z-]+)", section))
    assert {"--asr", "--punctuation", "--tts", "--punctuate", "--png", "--json", "--seed", "--threads"} <= named
    assert all(option in usage for option in named), sorted(o for o in named if o not in usage)


def test_the_picture_is_there_and_small() -> None:
    picture = ROOT / "docs" / "voice_swap.png"
    assert "](voice_swap.png)" in DOC.read_text(encoding="utf-8")
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert picture.stat().st_size < 200_000
