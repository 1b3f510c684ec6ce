"""WER/CER against torchmetrics (the oracle for the rates) and the S/I/D bookkeeping torchmetrics does not give."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from neuraltypes_collections.asr import cer, edit_operations, wer

torchmetrics_text = pytest.importorskip("torchmetrics.functional.text")

_words = st.lists(st.sampled_from(["the", "cat", "sat", "on", "a", "mat"]), min_size=1, max_size=12).map(" ".join)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(pairs=st.lists(st.tuples(_words, st.one_of(st.just(""), _words)), min_size=1, max_size=6))
def test_rates_agree_with_torchmetrics(pairs: list[tuple[str, str]]) -> None:
    references = [reference for reference, _ in pairs]
    hypotheses = [hypothesis for _, hypothesis in pairs]
    expected_wer = float(torchmetrics_text.word_error_rate(hypotheses, references))
    expected_cer = float(torchmetrics_text.char_error_rate(hypotheses, references))
    assert wer(references, hypotheses).rate == pytest.approx(expected_wer, rel=1e-6)
    assert cer(references, hypotheses).rate == pytest.approx(expected_cer, rel=1e-6)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    reference=st.lists(st.integers(0, 3), max_size=10),
    hypothesis=st.lists(st.integers(0, 3), max_size=10),
)
def test_counts_add_up(reference: list[int], hypothesis: list[int]) -> None:
    result = edit_operations(reference, hypothesis)
    assert min(result.substitutions, result.insertions, result.deletions) >= 0
    assert result.deletions - result.insertions == len(reference) - len(hypothesis)
    assert result.substitutions + result.deletions <= len(reference)
    assert result.reference_length == len(reference)


def test_ties_prefer_substitutions_then_fewer_deletions() -> None:
    # "a b" -> "b c": two substitutions or a deletion and an insertion cost the same; sclite counts substitutions
    assert edit_operations("a b".split(), "b c".split()) == edit_operations(["x", "y"], ["z", "w"])
    assert wer(["a b"], ["b c"]).substitutions == 2
    # a rotation is cheaper as one deletion and one insertion
    result = wer(["a b c"], ["b c a"])
    assert (result.substitutions, result.insertions, result.deletions) == (0, 1, 1)
