"""Tokenisation with subword-to-word label alignment, overlapping windows, and length-bucketed batches.

**Alignment.** A word may be split into several subword tokens (`worldly` -> `world ##ly`). Its punctuation and
capitalization labels sit on its **first** subword (as in NeMo); the other subwords carry the ignore label
`IGNORE_INDEX` in training and their predictions are not read at inference.

**Windows.** An encoder sees at most `max_length` tokens including `[CLS]` and `[SEP]`. A longer word sequence is
cut into windows of `max_length - 2` subwords that start every `step` subwords (the last one ends at the last
subword). Each word takes its prediction from the window in which its first subword is farthest from either edge,
so every word is predicted with context on both sides, and a word in the middle of a long text sees the same kind
of context as in a short one.
"""

import hashlib
import os
import random
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import torch

from ..common._archive import atomic_output
from ..common._errors import InputError
from ._labels import CAPIT_LABELS, PUNCT_LABELS, LabelledText

__all__ = [
    "IGNORE_INDEX",
    "CASE_CLASSES",
    "WORD_FEATURES",
    "Batch",
    "TokenizedCorpus",
    "Window",
    "bucketed_batches",
    "collate",
    "case_class",
    "plan_windows",
    "subword_cases",
    "tokenize_corpus",
    "tokenize_words",
    "word_feature_ids",
    "word_shape",
]

IGNORE_INDEX = -100
"""Label of subwords that are not the first of their word (ignored by the loss)."""


def tokenize_words(tokenizer: Any, sentences: Sequence[Sequence[str]]) -> list[list[list[int]]]:
    """Tokenise pre-split words without special tokens.

    **Arguments:**

    - `tokenizer`: a fast `transformers` tokenizer (it must provide `word_ids`).
    - `sentences`: lists of words.

    **Returns:**

    For each sentence, for each word, its subword ids (a word the tokenizer drops entirely gets `[UNK]`).
    """
    if not getattr(tokenizer, "is_fast", False):
        raise InputError(
            f"tokenize_words needs a fast tokenizer (with word_ids), got {type(tokenizer).__name__}; "
            f"hint: load the directory's tokenizer.json or build BertTokenizerFast(vocab_file=...)."
        )
    if not sentences:
        return []
    encoded = tokenizer([list(s) for s in sentences], is_split_into_words=True, add_special_tokens=False)
    result = []
    for index, words in enumerate(sentences):
        per_word: list[list[int]] = [[] for _ in words]
        for token_id, word_id in zip(encoded["input_ids"][index], encoded.word_ids(index), strict=True):
            if word_id is not None:
                per_word[word_id].append(int(token_id))
        for ids in per_word:
            if not ids:
                ids.append(int(tokenizer.unk_token_id))
        result.append(per_word)
    return result


CASE_CLASSES = ("none", "lower", "title", "upper", "mixed")
"""The letter-case classes of a subword as written (see `case_class`); an uncased tokenizer loses this cue."""


def case_class(piece: str) -> int:
    """The index in `CASE_CLASSES` of a piece of text as written: `none` (no cased letters: digits, marks), `lower`
    (`paris`), `title` (`Paris`, `I`), `upper` (`NASA`), or `mixed` (`iPhone`, `McD`)."""
    cased = [c.isupper() for c in piece if c.isupper() or c.islower()]
    if not cased:
        return 0
    if not any(cased):
        return 1
    if cased[0] and not any(cased[1:]):
        return 2
    return 3 if all(cased) else 4


def subword_cases(tokenizer: Any, sentences: Sequence[Sequence[str]]) -> list[list[list[int]]]:
    """The `case_class` of each subword of pre-split words, read from the words as written through the tokenizer's
    character offsets; nested like `tokenize_words` (one class per subword id it gives; a word it gives `[UNK]`
    gets its whole word's class).

    **Arguments:**

    - `tokenizer`: a fast `transformers` tokenizer (it must provide offsets and `word_ids`).
    - `sentences`: lists of words.
    """
    if not getattr(tokenizer, "is_fast", False):
        raise InputError(f"subword_cases needs a fast tokenizer (with offsets), got {type(tokenizer).__name__}")
    if not sentences:
        return []
    encoded = tokenizer([list(s) for s in sentences], is_split_into_words=True, add_special_tokens=False,
                        return_offsets_mapping=True)
    result = []
    for index, words in enumerate(sentences):
        per_word: list[list[int]] = [[] for _ in words]
        for (start, end), word_id in zip(encoded["offset_mapping"][index], encoded.word_ids(index), strict=True):
            if word_id is not None:
                per_word[word_id].append(case_class(words[word_id][start:end]))
        for word, classes in zip(words, per_word, strict=True):
            if not classes:
                classes.append(case_class(word))
        result.append(per_word)
    return result


WORD_FEATURES = ("norm", "prefix", "suffix", "shape")
"""What `word_feature_ids` reads of a word as written: its lowercased form, first letter, last three letters and
`word_shape` (the surface cues a small tagger such as spaCy's reads beside the context)."""


def word_shape(word: str) -> str:
    """A word's letters as `X` / `x`, digits as `d`, other characters kept, runs of one kind cut at four:
    `Unix` -> `Xxxx`, `PDP-10s` -> `XXX-ddx`, `1149.1` -> `dddd.d`."""
    out: list[str] = []
    run = 0
    for char in word:
        kind = "X" if char.isupper() else "x" if char.isalpha() else "d" if char.isdigit() else char
        run = run + 1 if out and out[-1] == kind else 1
        if run <= 4:
            out.append(kind)
    return "".join(out)


def word_feature_ids(word: str, rows: Sequence[int]) -> tuple[int, ...]:
    """The `WORD_FEATURES` of a word as written, each hashed (CRC-32, the same in every process) into its number
    of `rows`: one index per feature, in order."""
    values = (word.lower(), word[:1], word[-3:], word_shape(word))
    return tuple(zlib.crc32(f"{name}:{value}".encode()) % count
                 for name, value, count in zip(WORD_FEATURES, values, rows, strict=True))


@dataclass(frozen=True)
class Window:
    """A span `[start, stop)` of a subword sequence, and the words it predicts (`word_indices`)."""

    start: int
    stop: int
    word_indices: tuple[int, ...]


def plan_windows(word_starts: Sequence[int], num_tokens: int, window: int, step: int) -> list[Window]:
    """Cut a subword sequence into overlapping windows and give each word to its most central window.

    **Arguments:**

    - `word_starts`: position of each word's first subword, increasing.
    - `num_tokens`: total number of subwords.
    - `window`: subwords per window (the encoder's maximum length minus the 2 special tokens).
    - `step`: distance between window starts, `1 <= step <= window`.

    **Returns:**

    Windows in order; each word index appears in exactly one window's `word_indices`.
    """
    if window < 1 or not 1 <= step <= window:
        raise InputError(f"plan_windows: need window >= 1 and 1 <= step <= window, got window={window}, step={step}")
    if num_tokens <= window:
        return [Window(0, num_tokens, tuple(range(len(word_starts))))]
    starts = list(range(0, num_tokens - window, step)) + [num_tokens - window]
    owned: list[list[int]] = [[] for _ in starts]
    for word, position in enumerate(word_starts):
        best, best_score = 0, -1
        for k, start in enumerate(starts):
            if start <= position < start + window:
                left = position - start if start > 0 else window  # the text's own edge is not a window edge
                right = start + window - 1 - position if start + window < num_tokens else window
                score = min(left, right)
                if score > best_score:
                    best, best_score = k, score
        owned[best].append(word)
    return [Window(s, s + window, tuple(w)) for s, w in zip(starts, owned, strict=True) if w]


@dataclass(frozen=True)
class TokenizedCorpus:
    """Training examples as flat arrays: example `i` is `ids[offsets[i]:offsets[i+1]]` (no special tokens)."""

    ids: np.ndarray
    punct: np.ndarray
    capit: np.ndarray
    offsets: np.ndarray

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    def example(self, index: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        a, b = self.offsets[index], self.offsets[index + 1]
        return self.ids[a:b], self.punct[a:b], self.capit[a:b]


class PackedWords(NamedTuple):
    """Flat training arrays (see `pack_words`): subword `ids`, one label list per head (`columns`, each as long as
    `ids`), the piece boundaries (`offsets[0] == 0`, then the end of each piece), and the `case_class` of each
    subword (`cases`: empty unless asked for), and its word's `word_feature_ids` (`features`, one after another:
    empty unless asked for)."""

    ids: list[int]
    columns: list[list[int]]
    offsets: list[int]
    cases: list[int]
    features: list[int]


def pack_words(tokenizer: Any, words: Sequence[Sequence[str]], labels: Iterable[Sequence[tuple[int, ...]]],
               window: int, *, cases: bool = False, feature_rows: Sequence[int] = ()) -> PackedWords:
    """Word-labelled texts as flat training arrays: their subword ids, cut at word boundaries into pieces of at most
    `window` subwords (a longer word keeps its first `window`), each word's labels on its first subword and
    `IGNORE_INDEX` on the others.

    **Arguments:**

    - `tokenizer`: a fast `transformers` tokenizer (see `tokenize_words`).
    - `words`: the words of each text.
    - `labels`: for each text, one tuple of label indices per word, one index per head (read in step with `words`).
    - `window`: the most subwords in a piece.
    - `cases`: also give each subword's `case_class` (see `subword_cases`).
    - `feature_rows`: also give each subword its word's `word_feature_ids` with these rows (none when empty).
    """
    packed = PackedWords([], [], [0], [], [])
    text_labels = iter(labels)
    chunk = 2048
    for begin in range(0, len(words), chunk):
        texts = words[begin : begin + chunk]
        text_cases = subword_cases(tokenizer, texts) if cases else [[[] for _ in text] for text in texts]
        for text, per_word, per_word_cases in zip(texts, tokenize_words(tokenizer, texts), text_cases, strict=True):
            length = 0
            for word, word_ids, word_cases, word_labels in zip(text, per_word, per_word_cases, next(text_labels),
                                                               strict=True):
                word_ids = word_ids[:window]
                if length + len(word_ids) > window:
                    packed.offsets.append(len(packed.ids))
                    length = 0
                if not packed.columns:
                    packed.columns.extend([] for _ in word_labels)
                for column, label in zip(packed.columns, word_labels, strict=True):
                    column.extend([label] + [IGNORE_INDEX] * (len(word_ids) - 1))
                packed.ids.extend(word_ids)
                packed.cases.extend(word_cases[:window])
                if feature_rows:
                    packed.features.extend(word_feature_ids(word, feature_rows) * len(word_ids))
                length += len(word_ids)
            if length:
                packed.offsets.append(len(packed.ids))
    return packed


def _cache_key(items: Sequence[LabelledText], tokenizer: Any, window: int) -> str:
    digest = hashlib.sha256()
    digest.update(f"{type(tokenizer).__name__}|{len(tokenizer)}|{window}|v1".encode())
    digest.update(repr(sorted(tokenizer.get_vocab().items())[:50]).encode())
    for item in items:
        digest.update(" ".join(item.words).encode())
        digest.update("".join(item.punct).encode())
        digest.update("".join(item.capit).encode())
    return digest.hexdigest()[:20]


def tokenize_corpus(items: Sequence[LabelledText], tokenizer: Any, max_length: int,
                    cache_dir: str | os.PathLike[str] | None = None) -> TokenizedCorpus:
    """Tokenise labelled lines into training examples of at most `max_length - 2` subwords.

    Lines longer than that are cut at word boundaries into consecutive pieces. Labels are on first subwords,
    `IGNORE_INDEX` elsewhere. With `cache_dir`, the result is stored as an `.npz` keyed by a hash of the data,
    the tokenizer and `max_length`, and reused on the next call.
    """
    window = max_length - 2
    cache_path = None
    if cache_dir is not None:
        cache_path = Path(cache_dir) / f"tokenized-{_cache_key(items, tokenizer, window)}.npz"
        if cache_path.is_file():
            with np.load(cache_path, allow_pickle=False) as data:
                return TokenizedCorpus(data["ids"], data["punct"], data["capit"], data["offsets"])
    punct_index = {label: i for i, label in enumerate(PUNCT_LABELS)}
    capit_index = {label: i for i, label in enumerate(CAPIT_LABELS)}
    labels = ([(punct_index[p], capit_index[c]) for p, c in zip(item.punct, item.capit, strict=True)] for item in items)
    ids, columns, offsets, _, _ = pack_words(tokenizer, [item.words for item in items], labels, window)
    punct, capit = columns or ([], [])
    corpus = TokenizedCorpus(
        np.asarray(ids, dtype=np.int32), np.asarray(punct, dtype=np.int16),
        np.asarray(capit, dtype=np.int16), np.asarray(offsets, dtype=np.int64),
    )
    if cache_path is not None:
        cache_path.parent.mkdir(parents=True, exist_ok=True)
        # A cache: a crash only costs re-tokenising, so no fsync (durable=False).
        with atomic_output(cache_path, suffix=".npz", durable=False) as file:
            np.savez(file, ids=corpus.ids, punct=corpus.punct, capit=corpus.capit, offsets=corpus.offsets)
    return corpus


@dataclass(frozen=True)
class Batch:
    """A padded batch: `[CLS] ids [SEP] pad...`, the attention mask, and labels (`IGNORE_INDEX` off first subwords)."""

    input_ids: torch.Tensor
    attention_mask: torch.Tensor
    punct_labels: torch.Tensor
    capit_labels: torch.Tensor


def collate(examples: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]], cls_id: int, sep_id: int,
            pad_id: int) -> Batch:
    """Pad examples into a `Batch`, adding `[CLS]`/`[SEP]` (labelled `IGNORE_INDEX`)."""
    width = max(len(ids) for ids, _, _ in examples) + 2
    input_ids = torch.full((len(examples), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(examples), width), dtype=torch.bool)
    punct = torch.full((len(examples), width), IGNORE_INDEX, dtype=torch.long)
    capit = torch.full((len(examples), width), IGNORE_INDEX, dtype=torch.long)
    for row, (ids, p, c) in enumerate(examples):
        n = len(ids)
        input_ids[row, 0] = cls_id
        input_ids[row, 1 : n + 1] = torch.from_numpy(ids.astype(np.int64))
        input_ids[row, n + 1] = sep_id
        mask[row, : n + 2] = True
        punct[row, 1 : n + 1] = torch.from_numpy(p.astype(np.int64))
        capit[row, 1 : n + 1] = torch.from_numpy(c.astype(np.int64))
    return Batch(input_ids, mask, punct, capit)


def bucketed_batches(corpus: TokenizedCorpus, max_tokens: int, *, shuffle: bool = True, seed: int = 0,
                     pool_size: int = 100) -> Iterator[list[int]]:
    """Group example indices into batches of similar length, each with at most `max_tokens` padded tokens.

    Examples are shuffled, taken in pools of `pool_size` batches' worth, sorted by length within a pool and cut
    into batches; the batches are shuffled again. Without `shuffle`, examples are sorted by length globally.
    """
    lengths = corpus.lengths() + 2
    order = list(range(len(corpus)))
    rng = random.Random(seed)
    if shuffle:
        rng.shuffle(order)
    else:
        order.sort(key=lambda i: lengths[i])
    pool = max(1, pool_size * max_tokens // max(1, int(lengths.mean())))
    batches: list[list[int]] = []
    for begin in range(0, len(order), pool):
        chunk = sorted(order[begin : begin + pool], key=lambda i: lengths[i])
        current: list[int] = []
        width = 0
        for index in chunk:
            new_width = max(width, int(lengths[index]))
            if current and new_width * (len(current) + 1) > max_tokens:
                batches.append(current)
                current, new_width = [], int(lengths[index])
            current.append(index)
            width = new_width
        if current:
            batches.append(current)
    if shuffle:
        rng.shuffle(batches)
    yield from batches
