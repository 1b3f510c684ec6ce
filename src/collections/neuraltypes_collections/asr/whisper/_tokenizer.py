"""Whisper's byte-level BPE tokenizer, read from a Hugging Face `tokenizer.json` with the `tokenizers` library.

`tokenizers` is imported when a tokenizer is built (the first Whisper transcription), never when the collection
is imported. The special tokens are looked up by name, so English-only and multilingual vocabularies (whose ids
differ by one after ``<|endoftext|>``) both work.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ...common._errors import ConfigError

__all__ = ["WhisperTokenizer"]

ARTIFACT = "tokenizer.json"
#: ``<|nospeech|>`` in newer vocabularies, ``<|nocaptions|>`` in older ones.
_NO_SPEECH_NAMES = ("<|nospeech|>", "<|nocaptions|>")


class WhisperTokenizer:
    """Text <-> token ids, with the special ids decoding needs.

    **Arguments:**

    - `tokenizer_json`: the bytes of a Hugging Face `tokenizer.json` (Whisper's GPT-2 style BPE).
    - `multilingual`: the vocabulary has language tokens in its start sequence (51865+ tokens).
    """

    def __init__(self, tokenizer_json: bytes, *, multilingual: bool) -> None:
        from tokenizers import Tokenizer

        try:
            self._tokenizer = Tokenizer.from_str(tokenizer_json.decode("utf-8"))
        except Exception as error:  # bad UTF-8, or tokenizers' own bare Exception for bad JSON
            raise ConfigError(f"{ARTIFACT}: not a Hugging Face tokenizer ({error})") from None
        self.multilingual = multilingual
        self.eot = self._special("<|endoftext|>")
        self.sot = self._special("<|startoftranscript|>")
        self.translate = self._special("<|translate|>")
        self.transcribe = self._special("<|transcribe|>")
        self.sot_lm = self._special("<|startoflm|>")
        self.sot_prev = self._special("<|startofprev|>")
        self.no_timestamps = self._special("<|notimestamps|>")
        self.timestamp_begin = self.no_timestamps + 1
        found = [self._tokenizer.token_to_id(name) for name in _NO_SPEECH_NAMES]
        self.no_speech = next((token for token in found if token is not None), self.sot_lm)

    def _special(self, name: str) -> int:
        token = self._tokenizer.token_to_id(name)
        if token is None:
            raise ConfigError(f"{ARTIFACT}: no special token {name}; hint: is this a Whisper tokenizer?")
        return int(token)

    def token_id(self, name: str) -> int | None:
        """The id of token `name` (``"<|en|>"``), or `None`."""
        token = self._tokenizer.token_to_id(name)
        return None if token is None else int(token)

    def token_text(self, token: int) -> str:
        """The vocabulary entry of `token` (``"<|fr|>"``), or ``""`` for an id outside the vocabulary."""
        return str(self._tokenizer.id_to_token(token) or "")

    def sot_sequence(self, language: str = "en", task: str = "transcribe") -> list[int]:
        """The prompt that starts a transcription: ``<|startoftranscript|>`` (+ the language and the task,
        ``"transcribe"`` or ``"translate"``, if multilingual)."""
        if not self.multilingual:
            return [self.sot]
        language_token = self.token_id(f"<|{language}|>")
        if language_token is None:
            raise ConfigError(f"{ARTIFACT}: no language token <|{language}|>")
        return [self.sot, language_token, self.translate if task == "translate" else self.transcribe]

    def suppressed(self, suppress_ids: Iterable[int]) -> list[int]:
        """The ids never generated: the model's non-speech symbols plus the task and start tokens."""
        specials = (self.transcribe, self.translate, self.sot, self.sot_prev, self.sot_lm, self.no_speech)
        return sorted(set(suppress_ids) | set(specials))

    def encode(self, text: str) -> list[int]:
        """The ids of `text` (no special tokens)."""
        return list(self._tokenizer.encode(text, add_special_tokens=False).ids)

    def decode(self, tokens: Sequence[int]) -> str:
        """The text of the text tokens among `tokens` (special and timestamp tokens are left out)."""
        return str(self._tokenizer.decode([token for token in tokens if token < self.eot]))
