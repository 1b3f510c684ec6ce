"""The letter-case feature of `TokenClassificationModel` (for encoders whose tokenizer lowercases): case classes
read through the tokenizer's offsets, a zero-initialised embedding that leaves the encoder's path unchanged, that
changes predictions only through case, travels in the archive and trains (refused or required by name: in
`test_word_features.py`, beside the word features)."""

import dataclasses
from pathlib import Path

import torch
from neuraltypes_collections.common import restore_from
from neuraltypes_collections.nlp import (
    CASE_CLASSES,
    EntityTrainingConfig,
    TokenClassificationModel,
    case_class,
    entity_examples,
    subword_cases,
    tokenize_words,
    train_entities,
    word_class_logits,
)

SENTENCES = [["John", "met", "NASA", "in", "Paris", "."], ["the", "iPhone", "of", "McDonald", "42"]]


def _with_case(plain_ner: TokenClassificationModel) -> TokenClassificationModel:
    """The NeMo fixture with the case feature added (its weights copied; the case embedding zero)."""
    config = dataclasses.replace(plain_ner.config, case_feature=True)
    model = TokenClassificationModel.from_config(config, plain_ner.artifacts)
    missing, unexpected = model.load_state_dict(plain_ner.state_dict(), strict=False)
    assert (missing, unexpected) == (["case_embedding.weight"], [])
    return model


def test_case_classes_of_pieces_as_written() -> None:
    names = {piece: CASE_CLASSES[case_class(piece)] for piece in
             ["paris", "Paris", "I", "NASA", "iPhone", "McD", "42", ".", "café", "Éric", ""]}
    assert names == {"paris": "lower", "Paris": "title", "I": "title", "NASA": "upper", "iPhone": "mixed",
                     "McD": "mixed", "42": "none", ".": "none", "café": "lower", "Éric": "title", "": "none"}


def test_subword_cases_follow_the_tokenizer_pieces(plain_ner: TokenClassificationModel) -> None:
    tokenizer = plain_ner.tokenizer
    ids = tokenize_words(tokenizer, SENTENCES)
    cases = subword_cases(tokenizer, SENTENCES)
    assert [[len(w) for w in s] for s in cases] == [[len(w) for w in s] for s in ids]
    # the fixture's tiny vocabulary spells most words letter by letter: each piece has the case of its letters
    assert [len(w) for w in ids[1]] == [1, 6, 1, 8, 1]
    assert cases == [[[2], [1], [2, 2, 2, 2], [1], [2], [0]], [[1], [1, 2, 1, 1, 1, 1], [1], [2, 1, 2] + [1] * 5, [0]]]
    assert subword_cases(tokenizer, []) == []


def test_imported_nemo_models_have_no_case_feature(plain_ner: TokenClassificationModel) -> None:
    assert plain_ner.config.case_feature is False and plain_ner.case_embedding is None
    assert not any(key.startswith("case_embedding") for key in plain_ner.state_dict())


def test_zero_case_embedding_leaves_predictions_unchanged(plain_ner: TokenClassificationModel) -> None:
    cased = _with_case(plain_ner)
    for ours, theirs in zip(word_class_logits(cased, SENTENCES), word_class_logits(plain_ner, SENTENCES), strict=True):
        torch.testing.assert_close(ours, theirs, rtol=0, atol=1e-6)


def test_the_feature_changes_predictions_only_through_case(plain_ner: TokenClassificationModel) -> None:
    assert plain_ner.tokenizer.do_lower_case  # so the plain_ner model cannot tell the two texts apart
    cased = _with_case(plain_ner)
    with torch.no_grad():
        torch.nn.init.normal_(cased.case_embedding.weight, std=1.0)  # type: ignore[union-attr]
        cased.case_embedding.weight[[0, 1]] = 0.0  # type: ignore[union-attr]  # no letters, lower: as before
    lower = [[w.lower() for w in s] for s in SENTENCES]
    plain_written, plain_lower = word_class_logits(plain_ner, SENTENCES), word_class_logits(plain_ner, lower)
    cased_written, cased_lower = word_class_logits(cased, SENTENCES), word_class_logits(cased, lower)
    for a, b, c in zip(plain_written, plain_lower, cased_lower, strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)  # the uncased tokenizer sees the same text
        torch.testing.assert_close(c, b, rtol=0, atol=1e-6)  # lowercase text: the feature adds nothing
    for written, b in zip(cased_written, plain_lower, strict=True):
        assert (written - b).abs().max() > 1e-3  # capitals now change the logits


def test_case_feature_round_trips_through_an_archive(plain_ner: TokenClassificationModel, tmp_path: Path) -> None:
    cased = _with_case(plain_ner)
    with torch.no_grad():
        torch.nn.init.normal_(cased.case_embedding.weight, std=0.5)  # type: ignore[union-attr]
    cased.save_to(tmp_path / "cased.nta")
    restored = restore_from(tmp_path / "cased.nta")
    assert isinstance(restored, TokenClassificationModel) and restored.config.case_feature is True
    assert restored.case_embedding is not None and cased.case_embedding is not None
    torch.testing.assert_close(restored.case_embedding.weight, cased.case_embedding.weight, rtol=0, atol=0)
    for a, b in zip(word_class_logits(restored, SENTENCES), word_class_logits(cased, SENTENCES), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-6)


def test_training_reads_the_case_of_written_lines(plain_ner: TokenClassificationModel) -> None:
    cased = _with_case(plain_ner)
    examples = entity_examples(["Mr. Smith went to Paris.", "john went to london"],
                               [[(4, 9, "PER")], []], asr=False)
    result = train_entities(cased, examples, EntityTrainingConfig(max_steps=2, max_tokens=64, precision="32",
                                                                  trainable_layers=1, warmup_fraction=0.4),
                            progress=False, log=lambda _: None)
    assert result.steps == 2
    assert cased.case_embedding is not None
    trained = cased.case_embedding.weight.detach().abs().sum(-1)
    assert trained[2] > 0 and trained[1] > 0  # title and lower pieces were seen and learned from
    assert trained[3] == 0 and trained[4] == 0  # no upper-case or mixed piece in the data: untouched
