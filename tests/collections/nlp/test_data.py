"""Subword alignment, overlapping windows, tokenised corpora with a cache, padding and length buckets."""

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from neuraltypes_collections.nlp import (
    IGNORE_INDEX,
    PunctuationCapitalizationModel,
    bucketed_batches,
    collate,
    labelled_words_from_text,
    plan_windows,
    tokenize_corpus,
    tokenize_words,
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=120), st.integers(3, 40), st.data())
def test_every_word_is_predicted_once_with_context(word_lengths: list[int], window: int, data: st.DataObject) -> None:
    step = data.draw(st.integers(1, window))
    starts = list(np.cumsum([0, *word_lengths[:-1]]))
    total = sum(word_lengths)
    windows = plan_windows(starts, total, window, step)
    owned = sorted(w for win in windows for w in win.word_indices)
    assert owned == list(range(len(starts)))
    for win in windows:
        assert 0 <= win.start < win.stop <= total and win.stop - win.start == min(window, total)
        for w in win.word_indices:
            assert win.start <= starts[w] < win.stop
    if total > window:  # every word keeps at least (window - step) / 2 subwords of context on inner sides
        for win in windows:
            for w in win.word_indices:
                left = starts[w] - win.start if win.start > 0 else window
                right = win.stop - 1 - starts[w] if win.stop < total else window
                assert min(left, right) >= (window - step) // 2 - 1


def test_plan_windows_validates() -> None:
    with pytest.raises(ValueError, match="1 <= step <= window"):
        plan_windows([0], 1, 4, 5)


def test_alignment_puts_labels_on_first_subwords(nemo_model: PunctuationCapitalizationModel) -> None:
    tokenizer = nemo_model.tokenizer
    words = ["hello", "nemoparity", "life"]  # the tiny vocabulary splits the middle word into pieces
    per_word = tokenize_words(tokenizer, [words])[0]
    assert len(per_word) == 3 and len(per_word[1]) > 1
    item = labelled_words_from_text("Hello, Nemoparity life.")
    corpus = tokenize_corpus([item], tokenizer, max_length=64)
    ids, punct, capit = corpus.example(0)
    assert list(ids) == [t for word in per_word for t in word]
    first = [0, len(per_word[0]), len(per_word[0]) + len(per_word[1])]
    assert [int(punct[i]) for i in first] == [1, 0, 2]
    assert [int(capit[i]) for i in first] == [1, 1, 0]
    others = [i for i in range(len(ids)) if i not in first]
    assert all(int(punct[i]) == IGNORE_INDEX and int(capit[i]) == IGNORE_INDEX for i in others)


def test_long_lines_are_cut_at_word_boundaries(nemo_model: PunctuationCapitalizationModel, tmp_path: Path) -> None:
    item = labelled_words_from_text(" ".join(["hello world."] * 40))
    corpus = tokenize_corpus([item], nemo_model.tokenizer, max_length=12, cache_dir=tmp_path)
    assert len(corpus) == 8 and all(n <= 10 for n in corpus.lengths())
    assert int((corpus.punct != IGNORE_INDEX).sum()) == 80
    cached = list(tmp_path.glob("tokenized-*.npz"))
    assert len(cached) == 1
    again = tokenize_corpus([item], nemo_model.tokenizer, max_length=12, cache_dir=tmp_path)
    assert np.array_equal(again.ids, corpus.ids) and np.array_equal(again.offsets, corpus.offsets)


def test_collate_and_buckets(nemo_model: PunctuationCapitalizationModel) -> None:
    lines = [" ".join(["hello"] * n) + "." for n in range(1, 60)]
    corpus = tokenize_corpus([labelled_words_from_text(t) for t in lines], nemo_model.tokenizer, max_length=64)
    batches = list(bucketed_batches(corpus, max_tokens=200, seed=3))
    assert sorted(i for b in batches for i in b) == list(range(len(corpus)))
    for indices in batches:
        widths = corpus.lengths()[indices] + 2
        assert len(indices) == 1 or widths.max() * len(indices) <= 200
    tok = nemo_model.tokenizer
    batch = collate([corpus.example(i) for i in batches[0]], tok.cls_token_id, tok.sep_token_id, tok.pad_token_id)
    n = int(batch.attention_mask[0].sum())
    assert batch.input_ids[0, 0] == tok.cls_token_id and batch.input_ids[0, n - 1] == tok.sep_token_id
    assert batch.punct_labels[0, 0] == IGNORE_INDEX and batch.punct_labels[0, n - 1] == IGNORE_INDEX
