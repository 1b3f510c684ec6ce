"""Tokenizers, greedy and beam-search CTC decoding (with a KenLM ARPA model), and WER/CER."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from neuraltypes_collections.asr import (
    ENGLISH_CHARACTERS,
    BeamSearchOptions,
    CharTokenizer,
    CTCBeamDecoder,
    cer,
    collapse_ctc,
    edit_operations,
    greedy_decode,
    train_bpe_tokenizer,
    wer,
)
from neuraltypes_collections.common import ConfigError, InputError

ARPA = """
\\data\\
ngram 1=6
ngram 2=2

\\1-grams:
-1.0\t<s>\t-0.3
-1.0\t</s>
-3.0\t<unk>
-0.5\tthe\t-0.3
-0.8\tcat\t-0.3
-4.0\ttha\t-0.3

\\2-grams:
-0.1\t<s> the
-0.1\tthe cat

\\end\\
"""


def _emissions(spelling: list[dict[str, float]]) -> torch.Tensor:
    """Log-probs over ENGLISH_CHARACTERS + blank; each step's given characters share the given mass."""
    vocab = list(ENGLISH_CHARACTERS)
    rows = []
    for step in spelling:
        probs = torch.full((len(vocab) + 1,), 1e-4)
        for char, p in step.items():
            probs[len(vocab) if char == "_" else vocab.index(char)] = p
        rows.append((probs / probs.sum()).log())
    return torch.stack(rows)[None]


AMBIGUOUS = [{"t": 0.9}, {"_": 0.9}, {"h": 0.9}, {"a": 0.55, "e": 0.45}, {" ": 0.9}, {"c": 0.9}, {"a": 0.9},
             {"t": 0.9}, {"_": 0.9}]


def test_char_tokenizer_round_trip_and_errors() -> None:
    tokenizer = CharTokenizer(ENGLISH_CHARACTERS)
    assert tokenizer.decode(tokenizer.encode("it's a test")) == "it's a test"
    with pytest.raises(ValueError, match=r"character 'I' at position 0 .*hint: normalise"):
        tokenizer.encode("It")
    assert CharTokenizer(ENGLISH_CHARACTERS, unknown="skip").encode("A b") == [0, 2]
    with pytest.raises(ValueError, match="one character"):
        CharTokenizer(["ab"])


def test_collapse_and_greedy() -> None:
    assert collapse_ctc([1, 1, 0, 0, 1, 5, 5], blank_id=5) == ([1, 0, 1], [0, 2, 4])
    emissions = _emissions(AMBIGUOUS)
    tokenizer = CharTokenizer(ENGLISH_CHARACTERS)
    assert greedy_decode(emissions, torch.tensor([9]), tokenizer) == ["tha cat"]
    assert greedy_decode(emissions, torch.tensor([4]), tokenizer) == ["tha"]


def test_beam_search_without_lm_agrees_with_greedy_on_a_clear_case() -> None:
    decoder = CTCBeamDecoder(ENGLISH_CHARACTERS, BeamSearchOptions(beam_size=8))
    [[(text, score)]] = decoder(_emissions(AMBIGUOUS), torch.tensor([9]))
    assert text == "tha cat" and score < 0


def test_kenlm_arpa_model_fixes_the_ambiguous_word(tmp_path: Path) -> None:
    lm = tmp_path / "tiny.arpa"
    lm.write_text(ARPA.lstrip())
    decoder = CTCBeamDecoder(ENGLISH_CHARACTERS, BeamSearchOptions(beam_size=8, lm_path=str(lm), lm_weight=1.0, nbest=2))
    [hypotheses] = decoder(_emissions(AMBIGUOUS), torch.tensor([9]))
    assert hypotheses[0][0] == "the cat"
    assert len(hypotheses) == 2 and hypotheses[0][1] >= hypotheses[1][1]


def test_an_unloadable_lm_is_reported_with_its_path(tmp_path: Path) -> None:
    unigrams_only = tmp_path / "unigrams.arpa"
    unigrams_only.write_text("\\data\\\nngram 1=3\n\n\\1-grams:\n-1.0\t<s>\n-1.0\t</s>\n-1.0\tthe\n\n\\end\\\n")
    with pytest.raises(ValueError, match=r"unigrams\.arpa: KenLM cannot load .*at least bigrams"):
        CTCBeamDecoder(ENGLISH_CHARACTERS, BeamSearchOptions(lm_path=str(unigrams_only)))


def test_beam_options_are_validated() -> None:
    with pytest.raises(ValueError, match="nbest <= beam_size"):
        BeamSearchOptions(beam_size=2, nbest=3)
    with pytest.raises(ConfigError, match="lm_path"):
        BeamSearchOptions(lm_path="/no/such.arpa")


def test_bpe_tokenizer_trained_from_text_round_trips() -> None:
    texts = [line.split('"text": "')[1].split('"')[0] for line in
             (Path(__file__).parent / "fixtures" / "speech" / "train.jsonl").read_text().splitlines()]
    tokenizer = train_bpe_tokenizer(texts * 4, vocab_size=60)
    assert len(tokenizer.vocabulary) == 60 and tokenizer.blank_id == 60
    for text in texts[:5]:
        ids = tokenizer.encode(text)
        assert ids and max(ids) < 60
        assert tokenizer.decode(ids) == text
    assert any(tokenizer.word_boundary(i) for i in tokenizer.encode(texts[0]))


def test_error_rates_count_substitutions_insertions_deletions() -> None:
    assert edit_operations("a b c d".split(), "a x c".split()) == edit_operations(
        ["a", "b", "c", "d"], ["a", "x", "c"]
    )
    result = wer(["the cat sat on the mat", "hello world"], ["the cat sit on mat", "hello big world"])
    assert (result.substitutions, result.insertions, result.deletions, result.reference_length) == (1, 1, 1, 8)
    assert result.rate == pytest.approx(3 / 8)
    assert cer(["abc"], ["abd"]).rate == pytest.approx(1 / 3)
    assert wer([""], [""]).rate == 0.0 and wer([""], ["x"]).rate == float("inf")
    with pytest.raises(ValueError, match="2 references but 1 hypotheses"):
        wer(["a", "b"], ["a"])
    with pytest.raises(InputError, match="sequences of sentences"):
        wer("a b", "a b")
