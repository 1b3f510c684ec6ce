"""The word features of `TokenClassificationModel`: each word's surface (lowercased form, first letter, last three
letters, shape) hashed the same way in every process, an embedding whose projection starts at zero (the encoder's
path unchanged), that reaches every subword of its word, travels in the archive, trains, and is refused or required
by name."""

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from neuraltypes_collections.common import restore_from
from neuraltypes_collections.common._errors import ConfigError, InputError
from neuraltypes_collections.nlp import (
    EntityTrainingConfig,
    TokenClassificationConfig,
    TokenClassificationModel,
    WordFeatureEmbedding,
    entity_examples,
    train_entities,
    word_class_logits,
    word_feature_ids,
    word_shape,
)

SENTENCES = [["John", "met", "NASA", "in", "Paris", "."], ["the", "PDP-10s", "of", "McDonald", "42"]]
ROWS = (64, 8, 32, 16)


def _with_features(plain_ner: TokenClassificationModel) -> TokenClassificationModel:
    """The NeMo fixture with word features added (its weights copied; the projection zero)."""
    model = TokenClassificationModel.from_config(dataclasses.replace(plain_ner.config, word_feature_rows=ROWS),
                                                 plain_ner.artifacts)
    missing, unexpected = model.load_state_dict(plain_ner.state_dict(), strict=False)
    assert sorted(missing) == ["word_features.project.bias", "word_features.project.weight",
                               "word_features.table.weight"] and unexpected == []
    return model


def test_word_shapes_as_written() -> None:
    shapes = {w: word_shape(w) for w in ["Unix", "NASA", "PDP-10s", "1149.1", "iPhone", "Kosciusko", "", "café"]}
    assert shapes == {"Unix": "Xxxx", "NASA": "XXXX", "PDP-10s": "XXX-ddx", "1149.1": "dddd.d", "iPhone": "xXxxxx",
                      "Kosciusko": "Xxxxx", "": "", "café": "xxxx"}


def test_word_feature_ids_are_the_same_in_another_process() -> None:
    here = [word_feature_ids(w, ROWS) for w in SENTENCES[1]]
    code = ("from neuraltypes_collections.nlp import word_feature_ids; "
            f"print([word_feature_ids(w, {ROWS}) for w in {SENTENCES[1]}])")
    there = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert there.strip() == str(here)  # CRC-32, not Python's per-process salted hash
    assert all(0 <= i < n for ids in here for i, n in zip(ids, ROWS, strict=True))
    # the lowercased form is shared by cased and uncased spellings; shape and first letter tell them apart
    upper, lower = word_feature_ids("NASA", ROWS), word_feature_ids("nasa", ROWS)
    assert upper[0] == lower[0] and upper[3] != lower[3]


def test_config_refuses_malformed_rows() -> None:
    with pytest.raises(ConfigError, match=r"word_feature_rows must be \(\) or 4 positive row counts"):
        TokenClassificationConfig(word_feature_rows=(10, 10))
    with pytest.raises(ConfigError, match=r"\('norm', 'prefix', 'suffix', 'shape'\)\), got \(10, 0, 10, 10\)$"):
        TokenClassificationConfig(word_feature_rows=(10, 0, 10, 10))
    with pytest.raises(ConfigError, match=r"^TokenClassificationConfig: word_feature_depth must be >= 0, got -1$"):
        TokenClassificationConfig(word_feature_rows=(10, 10, 10, 10), word_feature_depth=-1)
    with pytest.raises(ConfigError, match=r"word_feature_dropout must be >= 0 and < 1, got 1.0$"):
        TokenClassificationConfig(word_feature_rows=(10, 10, 10, 10), word_feature_dropout=1.0)
    with pytest.raises(ConfigError, match=r"word_feature_width must be >= 1, got 0; word_feature_depth must be "
                                          r">= 0, got -2"):  # every broken field in one message
        TokenClassificationConfig(word_feature_width=0, word_feature_depth=-2)


def test_context_convolutions_let_a_token_read_its_neighbours() -> None:
    torch.manual_seed(0)
    embedding = WordFeatureEmbedding(ROWS, 12, 20, depth=2)
    torch.nn.init.normal_(embedding.project.weight)
    words = ["so", "the", "Unix", "kernel", "boots", "up", "fast"]
    ids = torch.tensor([[word_feature_ids(w, ROWS) for w in words]])
    changed = ids.clone()
    changed[0, 3] = torch.tensor(word_feature_ids("KERNEL", ROWS))
    reached = ((embedding(ids, torch.ones(ids.shape[:2], dtype=torch.bool)) - embedding(changed, torch.ones(changed.shape[:2], dtype=torch.bool))).abs().amax(-1)[0] > 0).tolist()
    assert reached == [False, True, True, True, True, True, False]  # two convolutions: two tokens either side
    flat = WordFeatureEmbedding(ROWS, 12, 20)
    torch.nn.init.normal_(flat.project.weight)
    assert ((flat(ids, torch.ones(ids.shape[:2], dtype=torch.bool)) - flat(changed, torch.ones(changed.shape[:2], dtype=torch.bool))).abs().amax(-1)[0] > 0).tolist() == [False] * 3 + [True] + [False] * 3


def test_padding_reads_as_nothing_so_a_text_does_not_depend_on_its_batch(plain_ner: TokenClassificationModel) -> None:
    featured = TokenClassificationModel.from_config(
        dataclasses.replace(plain_ner.config, word_feature_rows=ROWS, word_feature_depth=2), plain_ner.artifacts)
    featured.load_state_dict(plain_ner.state_dict(), strict=False)
    assert featured.word_features is not None
    with torch.no_grad():  # trained-looking weights: biases too, which padding once carried into the text
        for parameter in featured.word_features.parameters():
            torch.nn.init.normal_(parameter, std=0.5)
    short, long = SENTENCES[0], SENTENCES[0] + SENTENCES[1] * 3
    alone = word_class_logits(featured, [short])[0]
    padded = word_class_logits(featured, [short, long], batch_size=2)[0]  # the short text gets padding here
    torch.testing.assert_close(padded, alone, rtol=0, atol=1e-5)
    ids = torch.tensor([[word_feature_ids(w, ROWS) for w in short]])
    mask = torch.tensor([[True, True, True, False, False, False]])
    cut = featured.word_features(ids, mask)
    bias = featured.word_features.project.bias.detach()
    torch.testing.assert_close(cut[0, 3:], bias.expand(3, -1), rtol=0, atol=1e-6)  # padding: only the bias


def test_dropout_leaves_out_the_lowercased_form_of_some_tokens_in_training_only() -> None:
    torch.manual_seed(0)
    embedding = WordFeatureEmbedding(ROWS, 12, 20, dropout=0.5)
    torch.nn.init.normal_(embedding.project.weight)
    ids = torch.tensor([[word_feature_ids(w, ROWS) for w in ["the", "Unix", "kernel"] * 100]])
    without_norm = WordFeatureEmbedding(ROWS, 12, 20)
    without_norm.load_state_dict(embedding.state_dict())
    with torch.no_grad():
        without_norm.table.weight[: ROWS[0]] = 0.0  # the lowercased form's rows
    embedding.eval()
    full = embedding(ids, torch.ones(ids.shape[:2], dtype=torch.bool))
    embedding.train()
    dropped = embedding(ids, torch.ones(ids.shape[:2], dtype=torch.bool))
    same_as_full = (dropped - full).abs().amax(-1)[0] < 1e-6
    same_as_without = (dropped - without_norm(ids, torch.ones(ids.shape[:2], dtype=torch.bool))).abs().amax(-1)[0] < 1e-6
    assert bool((same_as_full | same_as_without).all())  # each token: all its features, or all but the form
    assert 0.3 < float(same_as_without.float().mean()) < 0.7
    embedding.eval()
    torch.testing.assert_close(embedding(ids, torch.ones(ids.shape[:2], dtype=torch.bool)), full, rtol=0, atol=0)  # never at inference


def test_zero_projection_leaves_predictions_unchanged(plain_ner: TokenClassificationModel) -> None:
    featured = _with_features(plain_ner)
    labels = len(featured.config.labels)
    assert [t.shape for t in word_class_logits(featured, [[], ["Paris"]])] == [(0, labels), (1, labels)]  # empty too
    for ours, theirs in zip(word_class_logits(featured, SENTENCES), word_class_logits(plain_ner, SENTENCES),
                            strict=True):
        torch.testing.assert_close(ours, theirs, rtol=0, atol=1e-6)


def test_features_change_predictions_and_round_trip_through_an_archive(plain_ner: TokenClassificationModel,
                                                                      tmp_path: Path) -> None:
    featured = _with_features(plain_ner)
    assert featured.word_features is not None
    with torch.no_grad():
        torch.nn.init.normal_(featured.word_features.project.weight, std=0.5)
    changed = word_class_logits(featured, SENTENCES)
    for ours, theirs in zip(changed, word_class_logits(plain_ner, SENTENCES), strict=True):
        assert (ours - theirs).abs().max() > 1e-3
    featured.save_to(tmp_path / "featured.nta")
    restored = restore_from(tmp_path / "featured.nta")
    assert isinstance(restored, TokenClassificationModel) and restored.config.word_feature_rows == ROWS
    for a, b in zip(word_class_logits(restored, SENTENCES), changed, strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-6)


FEATURE_INPUTS = [  # config change, keyword, a good and an out-of-range input, what the errors say
    ({"case_feature": True}, "case_ids", torch.tensor([[0, 2, 0]]), torch.tensor([[0, 5, 0]]),
     r"reads letter case \(config.case_feature is True\) but case_ids is missing; pass each token's case class "
     r"\(see subword_cases\)", r"case_ids must be in 0\.\.4 \(CASE_CLASSES\), got 0\.\.5",
     r"case_ids given, but this model reads no letter case; call it without case_ids"),
    ({"word_feature_rows": ROWS}, "word_feature_ids", torch.zeros((1, 3, 4), dtype=torch.long),
     torch.tensor([[[0, 0, 0, 0], [63, 8, 0, 0], [0, 0, 0, 0]]]),
     r"reads word features \(config.word_feature_rows is \(64, 8, 32, 16\)\) but word_feature_ids is missing; "
     r"pass each token's word features \(see word_feature_ids\)",
     r"word_feature_ids must be in 0\.\.\(63, 7, 31, 15\) \(config.word_feature_rows\), got 0\.\.63",
     r"word_feature_ids given, but this model reads no word features; call it without word_feature_ids"),
]


@pytest.mark.parametrize(("change", "keyword", "good", "bad", "missing", "out_of_range", "refused"), FEATURE_INPUTS,
                         ids=["case", "word features"])
def test_input_features_are_required_or_refused_by_name(plain_ner: TokenClassificationModel, change: dict[str, object],
                                                        keyword: str, good: torch.Tensor, bad: torch.Tensor,
                                                        missing: str, out_of_range: str, refused: str) -> None:
    model = TokenClassificationModel.from_config(dataclasses.replace(plain_ner.config, **change), plain_ner.artifacts)
    model.load_state_dict(plain_ner.state_dict(), strict=False)
    ids = torch.tensor([[2, 20, 3]])
    mask = torch.ones_like(ids, dtype=torch.bool)
    with pytest.raises(InputError, match=missing):
        model(ids, mask)
    with pytest.raises(InputError, match=out_of_range):
        model(ids, mask, **{keyword: bad})
    with pytest.raises(InputError, match=refused):
        plain_ner(ids, mask, **{keyword: good})
    assert model(ids, mask, **{keyword: good}).shape == (1, 3, len(model.config.labels))


def test_training_learns_the_features_of_the_words_it_sees(plain_ner: TokenClassificationModel) -> None:
    featured = _with_features(plain_ner)
    assert featured.word_features is not None
    before = featured.word_features.table.weight.detach().clone()
    examples = entity_examples(["Mr. Smith went to Paris.", "john went to london"], [[(4, 9, "PER")], []],
                               asr=False)
    result = train_entities(featured, examples, EntityTrainingConfig(max_steps=3, max_tokens=64, precision="32",
                                                                     trainable_layers=1, warmup_fraction=0.3),
                            progress=False, log=lambda _: None)
    assert result.steps == 3
    # AdamW's weight decay nudges every row by ~1e-6; a row the loss reached moves by about the learning rate
    moved = (featured.word_features.table.weight.detach() - before).abs().amax(-1) > 1e-4
    starts = torch.tensor([0, *ROWS[:-1]]).cumsum(0)
    seen = {int(i + s) for w in ["Mr", ".", "Smith", "went", "to", "Paris", "john", "london"]
            for i, s in zip(word_feature_ids(w, ROWS), starts, strict=True)}
    assert set(moved.nonzero().flatten().tolist()) <= seen | {0, int(starts[1]), int(starts[2]), int(starts[3])}
    assert moved.sum() > 0 and featured.word_features.project.weight.abs().sum() > 0
