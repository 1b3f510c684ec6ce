"""Word-level P/R/F1 and the training loop (a few steps on the tiny NeMo model)."""

import pytest
from neuraltypes_collections.nlp import (
    LabelledText,
    PunctuationCapitalizationModel,
    PunctuationTrainingConfig,
    evaluate_labels,
    labelled_words_from_text,
    predict_labels,
    train_punctuation,
)


def test_scores_by_hand() -> None:
    ref = [LabelledText(("a", "b", "c", "d"), ("O", ",", ".", "?"), ("U", "O", "O", "U"))]
    pred = [LabelledText(("a", "b", "c", "d"), (",", ",", ".", "."), ("U", "U", "O", "O"))]
    report = evaluate_labels(ref, pred)
    scores = {s.label: s for s in report.punct}
    assert (scores[","].precision, scores[","].recall) == (0.5, 1.0)
    assert scores["."].f1 == pytest.approx(2 / 3)
    assert scores["?"].f1 == 0.0
    assert report.punct_macro_f1 == pytest.approx((2 / 3 + 2 / 3 + 0) / 3)
    assert report.capit_f1 == pytest.approx(0.5)
    assert "punctuation macro F1 over , . ?" in report.table()


def test_words_must_match() -> None:
    with pytest.raises(ValueError, match="item 0 has different words"):
        evaluate_labels([labelled_words_from_text("A b.")], [labelled_words_from_text("A c.")])


@pytest.mark.parametrize("precision", ["32", "bf16"])
def test_training_fits_a_tiny_corpus(nemo_model: PunctuationCapitalizationModel, precision: str) -> None:
    model = PunctuationCapitalizationModel.from_config(nemo_model.config, nemo_model.artifacts)
    model.load_state_dict(nemo_model.state_dict())
    lines = ["Hello world, how are you today?", "We met in New York on Monday.", "Is this the real life?",
             "It was great, and we met.", "How are you?", "Hello, New York."] * 4
    items = [labelled_words_from_text(t) for t in lines]
    config = PunctuationTrainingConfig(trainable_layers=2, max_tokens=128, max_epochs=1000, max_steps=200, max_minutes=2,
                                       head_lr=3e-3, encoder_lr=1e-3, log_every=1000, precision=precision)
    before = evaluate_labels(items, predict_labels(model, [i.words for i in items]))
    result = train_punctuation(model, items, config, log=lambda line: None)
    after = evaluate_labels(items, predict_labels(model, [i.words for i in items]))
    assert result.steps == 200 and not model.training
    assert sum(result.losses[-5:]) < sum(result.losses[:5]) / 2
    assert after.punct_macro_f1 > before.punct_macro_f1 + 0.3 and after.capit_f1 > 0.9


def test_training_config_rejects_an_unknown_precision() -> None:
    with pytest.raises(ValueError, match="precision must be '32' or 'bf16', got 'fp16'"):
        PunctuationTrainingConfig(precision="fp16")


def test_logit_bias_calibration_does_not_lower_dev_f1(nemo_model: PunctuationCapitalizationModel) -> None:
    import dataclasses

    from neuraltypes_collections.nlp import calibrate_logit_bias

    lines = ["Hello world, how are you today?", "We met in New York on Monday.", "Is this the real life?"] * 3
    items = [labelled_words_from_text(t) for t in lines]
    punct_bias, capit_bias = calibrate_logit_bias(nemo_model, items, grid=(-2.0, -0.5, 0.0, 0.5, 2.0), rounds=1)
    assert len(punct_bias) == 4 and len(capit_bias) == 2 and punct_bias[0] == capit_bias[0] == 0.0
    before = evaluate_labels(items, predict_labels(nemo_model, [i.words for i in items]))
    calibrated = PunctuationCapitalizationModel.from_config(
        dataclasses.replace(nemo_model.config, punct_logit_bias=punct_bias, capit_logit_bias=capit_bias),
        nemo_model.artifacts)
    calibrated.load_state_dict(nemo_model.state_dict())
    after = evaluate_labels(items, predict_labels(calibrated, [i.words for i in items]))
    assert after.punct_macro_f1 >= before.punct_macro_f1 and after.capit_f1 >= before.capit_f1
    assert after.punct_macro_f1 > 0.0  # the random tiny model predicts only 'O' without offsets
