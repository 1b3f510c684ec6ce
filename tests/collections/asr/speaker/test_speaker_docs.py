"""docs/speakers.md: its python blocks run in order in one namespace, and its verb table names what exists."""

from __future__ import annotations

import re
from pathlib import Path

import neuraltypes_collections.asr.speaker as speaker

DOC = Path(__file__).resolve().parents[4] / "docs" / "speakers.md"


def test_the_speakers_page_examples_run():
    blocks = re.findall(r"^```python\n(.*?)^```", DOC.read_text(encoding="utf-8"), flags=re.S | re.M)
    assert len(blocks) >= 2
    namespace: dict[str, object] = {}
    for number, block in enumerate(blocks, 1):
        exec(compile(block, f"{DOC.name}[python block {number}]", "exec"), namespace)


def test_the_verb_table_names_functions_and_methods_that_exist():
    text = DOC.read_text(encoding="utf-8")
    for verb in ("embed_speakers", "verify", "identify", "diarize"):
        assert f"`{verb}(model" in text and callable(getattr(speaker, verb))
        assert callable(getattr(speaker.GE2EModel, verb))
    for result in ("SpeakerEmbedding", "Verification", "Identification", "Diarization"):
        assert f"`{result}`" in text and hasattr(speaker, result)
