"""docs/collections.md: its python blocks run, and its verb grid names functions and methods that exist."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[3] / "docs" / "collections.md"


def test_collections_page_examples_run():
    blocks = re.findall(r"^```python\n(.*?)^```", DOC.read_text(encoding="utf-8"), flags=re.S | re.M)
    assert blocks
    namespace: dict[str, object] = {}
    for number, block in enumerate(blocks, 1):
        exec(compile(block, f"{DOC.name}[python block {number}]", "exec"), namespace)


def test_the_grid_names_what_exists():
    from neuraltypes_collections import asr, nlp, tts
    from neuraltypes_collections.asr import CTCModel
    from neuraltypes_collections.asr.classification import ClassificationModel, FrameClassificationModel
    from neuraltypes_collections.asr.vad import SileroVad
    from neuraltypes_collections.common import NeuralModel
    from neuraltypes_collections.nlp import PunctuationCapitalizationModel
    from neuraltypes_collections.tts import FastPitchModel, Tacotron2Model

    for module, verb in [(asr, "transcribe"), (asr, "classify"), (asr, "detect_speech"), (nlp, "punctuate"),
                         (nlp, "add_punctuation_capitalization"), (tts, "synthesize"), (tts, "copy_synthesize")]:
        assert callable(getattr(module, verb)), verb
        assert f"{verb}" in DOC.read_text(encoding="utf-8"), verb
    for cls, verb in [(CTCModel, "transcribe"), (ClassificationModel, "classify"), (SileroVad, "detect_speech"),
                      (ClassificationModel, "detect_speech"), (FrameClassificationModel, "detect_speech"),
                      (PunctuationCapitalizationModel, "punctuate"), (FastPitchModel, "synthesize"),
                      (Tacotron2Model, "synthesize")]:
        assert callable(getattr(cls, verb)), (cls, verb)
        if issubclass(cls, NeuralModel):
            assert callable(cls.from_pretrained), cls
