"""Shared fixtures of the speaker tests: the pretrained GE2E model (skipped without its weights) and the clips."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

HERE = Path(__file__).parent
TESTS = HERE.parents[2]
READER = TESTS / "collections/tts/fixtures/real_speech/audio"
READER_MORE = HERE / "fixtures/audio"
SYNTHETIC = TESTS / "collections/asr/fixtures/speech/audio"


def reader_clip(number: str) -> Path:
    """A LibriVox clip by the one human reader of `../shared/data/real-speech` ("0870" ... "0930")."""
    name = f"sense_and_sensibility_01_austen_64kb-{number}.wav"
    return READER / name if (READER / name).is_file() else READER_MORE / name


def synthetic_clip(number: str) -> Path:
    """A speech-mini clip (`train_0011`: piper joe; `train_0036`, `train_0062`: flite slt; `train_0006`: flite awb)."""
    return SYNTHETIC / f"train_{number}.wav"


@pytest.fixture(scope="session")
def ge2e():
    """The pretrained GE2E model, read from the installed `resemblyzer` wheel (skipped when it is absent)."""
    from neuraltypes_collections.asr.speaker import GE2EModel
    from neuraltypes_collections.common import ModelNotAvailableError

    try:
        return GE2EModel.from_pretrained("ge2e_resemblyzer")
    except ModelNotAvailableError as error:  # `make install` installs it: pip install --no-deps resemblyzer==0.1.4
        pytest.skip(str(error))


def silence(seconds: float) -> torch.Tensor:
    return torch.zeros(round(seconds * 16000))
