"""Tokenizers for CTC models: characters, and SentencePiece BPE trained from transcripts.

Both share one small interface: `vocabulary` (the CTC blank is *not* in it; it takes index
`len(vocabulary)`), `encode(text) -> list[int]`, `decode(ids) -> str` and `token_text(id) -> str`.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Sequence

from ..common._errors import InputError

__all__ = ["BPETokenizer", "CharTokenizer", "train_bpe_tokenizer"]


class CharTokenizer:
    """One token per character (NeMo's char `labels`), e.g. space, a-z and apostrophe.

    **Arguments:**

    - `vocabulary`: the characters, in output-class order. Each must be a single character and unique.
    - `unknown`: what `encode` does with a character outside the vocabulary: `"error"` (raise) or `"skip"`.

    >>> tok = CharTokenizer(list(" abc"))
    >>> tok.encode("cab a"), tok.decode([3, 1, 2])
    ([3, 1, 2, 0, 1], 'cab')
    """

    def __init__(self, vocabulary: Sequence[str], unknown: str = "error") -> None:
        bad = [label for label in vocabulary if len(label) != 1]
        if bad:
            raise InputError(f"CharTokenizer: every label must be one character, got {bad[:5]!r}")
        if len(set(vocabulary)) != len(vocabulary):
            raise InputError("CharTokenizer: the vocabulary has duplicate labels")
        if unknown not in ("error", "skip"):
            raise InputError(f"CharTokenizer: unknown must be 'error' or 'skip', got {unknown!r}")
        self.vocabulary = list(vocabulary)
        self.unknown = unknown
        self._index = {label: index for index, label in enumerate(self.vocabulary)}

    @property
    def blank_id(self) -> int:
        return len(self.vocabulary)

    def encode(self, text: str) -> list[int]:
        """Token ids of `text`; characters outside the vocabulary raise (or are skipped, see `unknown`)."""
        ids = []
        for position, char in enumerate(text):
            index = self._index.get(char)
            if index is None:
                if self.unknown == "skip":
                    continue
                raise InputError(
                    f"CharTokenizer.encode: character {char!r} at position {position} of {text!r} is not in the "
                    f"vocabulary {''.join(self.vocabulary)!r} (hint: normalise the text, e.g. lowercase it, or "
                    "build the tokenizer with unknown='skip')"
                )
            ids.append(index)
        return ids

    def decode(self, ids: Iterable[int]) -> str:
        """Concatenate the characters of `ids` (blank and out-of-range ids are dropped)."""
        return "".join(self.vocabulary[i] for i in ids if 0 <= i < len(self.vocabulary))

    def token_text(self, index: int) -> str:
        return self.vocabulary[index]

    def word_boundary(self, index: int) -> bool:
        """Whether the token separates words (the space character)."""
        return self.vocabulary[index] == " "


class BPETokenizer:
    """SentencePiece subword tokenizer; the serialized model travels in the archive as an artifact.

    **Arguments:**

    - `model_bytes`: the bytes of a SentencePiece `.model` file.

    Token pieces starting with `▁` (U+2581) begin a word.
    """

    WORD_START = "\u2581"

    def __init__(self, model_bytes: bytes) -> None:
        import sentencepiece

        self.model_bytes = bytes(model_bytes)
        self._sp = sentencepiece.SentencePieceProcessor()
        self._sp.LoadFromSerializedProto(self.model_bytes)
        self.vocabulary = [self._sp.IdToPiece(i) for i in range(self._sp.GetPieceSize())]

    @property
    def blank_id(self) -> int:
        return len(self.vocabulary)

    def encode(self, text: str) -> list[int]:
        return list(self._sp.EncodeAsIds(text))

    def decode(self, ids: Iterable[int]) -> str:
        return str(self._sp.DecodeIds([int(i) for i in ids if 0 <= i < len(self.vocabulary)]))

    def token_text(self, index: int) -> str:
        return self.vocabulary[index].replace(self.WORD_START, " ")

    def word_boundary(self, index: int) -> bool:
        return self.vocabulary[index].startswith(self.WORD_START)


def train_bpe_tokenizer(texts: Iterable[str], vocab_size: int, *, character_coverage: float = 1.0) -> BPETokenizer:
    """Train a SentencePiece BPE model on `texts` (e.g. a manifest's transcripts) and return its tokenizer.

    **Arguments:**

    - `texts`: training sentences.
    - `vocab_size`: number of pieces (the CTC blank comes on top). Must be small enough for the text: SentencePiece
      raises if the text cannot supply that many pieces.
    - `character_coverage`: fraction of characters covered by the model.

    The model has no `<s>`, `</s>` or `<pad>` pieces (CTC does not use them); `<unk>` is id 0.
    """
    import sentencepiece

    lines = [line.strip() for line in texts if line.strip()]
    if not lines:
        raise InputError("train_bpe_tokenizer: no non-empty text to train on")
    with tempfile.TemporaryDirectory() as folder:
        corpus = os.path.join(folder, "corpus.txt")
        with open(corpus, "w", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
        prefix = os.path.join(folder, "bpe")
        sentencepiece.SentencePieceTrainer.Train(
            input=corpus,
            model_prefix=prefix,
            vocab_size=vocab_size,
            model_type="bpe",
            character_coverage=character_coverage,
            bos_id=-1,
            eos_id=-1,
            pad_id=-1,
            unk_id=0,
            minloglevel=2,
        )
        with open(prefix + ".model", "rb") as handle:
            return BPETokenizer(handle.read())
