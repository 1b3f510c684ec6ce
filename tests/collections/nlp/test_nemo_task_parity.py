"""NeMo 2.4 TokenClassificationModel (NER) and QAModel parity: restore each .nemo, reproduce its recorded logits.

The fixtures are tiny random BERTs made by `fixtures/_generator/make_task_fixtures.py` with nemo-toolkit 2.4.1.
"""

from pathlib import Path

import numpy as np
import pytest
import torch
from neuraltypes_collections.common import known_nemo_targets, restore_from
from neuraltypes_collections.nlp import (
    QuestionAnsweringModel,
    TokenClassificationModel,
    answer,
    recognize_entities,
)

FIXTURES = Path(__file__).parent / "fixtures"
NER = FIXTURES / "token_classification_nemo24"
QA = FIXTURES / "question_answering_nemo24"


def _load(folder: Path) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    with np.load(folder / "inputs.npz", allow_pickle=False) as inputs, \
            np.load(folder / "outputs.npz", allow_pickle=False) as outputs:
        return dict(inputs), dict(outputs)


@pytest.fixture(scope="module")
def ner_model() -> TokenClassificationModel:
    model = restore_from(NER / "model.nemo")
    assert isinstance(model, TokenClassificationModel)
    return model


@pytest.fixture(scope="module")
def qa_model() -> QuestionAnsweringModel:
    model = restore_from(QA / "model.nemo")
    assert isinstance(model, QuestionAnsweringModel)
    return model


def test_importers_are_registered() -> None:
    targets = known_nemo_targets()
    assert "nemo.collections.nlp.models.token_classification.token_classification_model.TokenClassificationModel" \
        in targets
    assert "nemo.collections.nlp.models.question_answering.qa_model.QAModel" in targets


def test_token_classification_logits_match_nemo(ner_model: TokenClassificationModel) -> None:
    inputs, outputs = _load(NER)
    with torch.no_grad():
        logits = ner_model(torch.from_numpy(inputs["input_ids"]), torch.from_numpy(inputs["attention_mask"]).bool(),
                           torch.from_numpy(inputs["token_type_ids"]))
    valid = inputs["attention_mask"].astype(bool)
    np.testing.assert_allclose(logits.numpy()[valid], outputs["logits"][valid], atol=1e-4, rtol=0)
    assert ner_model.config.labels == ("O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG")
    assert ner_model.config.head.num_layers == 2


def test_question_answering_logits_match_nemo(qa_model: QuestionAnsweringModel) -> None:
    inputs, outputs = _load(QA)
    with torch.no_grad():
        out = qa_model(torch.from_numpy(inputs["input_ids"]), torch.from_numpy(inputs["attention_mask"]).bool(),
                       torch.from_numpy(inputs["token_type_ids"]))
    valid = inputs["attention_mask"].astype(bool)
    np.testing.assert_allclose(out.start_logits.numpy()[valid], outputs["logits"][..., 0][valid], atol=1e-4, rtol=0)
    np.testing.assert_allclose(out.end_logits.numpy()[valid], outputs["logits"][..., 1][valid], atol=1e-4, rtol=0)


def test_tokenizers_come_from_the_archives(ner_model: TokenClassificationModel,
                                           qa_model: QuestionAnsweringModel) -> None:
    inputs, _ = _load(NER)
    for row, text in enumerate(inputs["texts"]):
        ids = ner_model.encoder.tokenizer(str(text))["input_ids"]
        np.testing.assert_array_equal(ids, inputs["input_ids"][row, : len(ids)])
    inputs, _ = _load(QA)
    for row, (question, context) in enumerate(zip(inputs["questions"], inputs["contexts"], strict=True)):
        encoded = qa_model.encoder.tokenizer(str(question), str(context))
        width = len(encoded["input_ids"])
        np.testing.assert_array_equal(encoded["input_ids"], inputs["input_ids"][row, :width])
        np.testing.assert_array_equal(encoded["token_type_ids"], inputs["token_type_ids"][row, :width])


def test_verbs_run_on_the_imported_models(ner_model: TokenClassificationModel,
                                          qa_model: QuestionAnsweringModel) -> None:
    """The verbs read the same logits: the word labels are the valid BIO sequence (`decode_bio`) of the fixture's
    logits on first subwords."""
    inputs, outputs = _load(NER)
    text = str(inputs["texts"][0])
    result = recognize_entities(ner_model, text)
    labels = ner_model.config.labels
    tokenizer = ner_model.encoder.tokenizer
    position, firsts = 1, []
    for word in text.split():
        firsts.append(position)
        position += len(tokenizer(word, add_special_tokens=False)["input_ids"])
    from neuraltypes_collections.nlp import decode_bio, spans_from_bio

    word_logits = torch.as_tensor(outputs["logits"][0, firsts])
    expected = [labels[i] for i in decode_bio(word_logits, labels)]

    assert [(e.label, e.text) for e in result.entities] == [
        (name, " ".join(text.split()[first : last + 1])) for name, first, last in spans_from_bio(expected)]
    qa_inputs, _ = _load(QA)
    answers = answer(qa_model, [str(q) for q in qa_inputs["questions"]], [str(c) for c in qa_inputs["contexts"]])
    for item, context in zip(answers, qa_inputs["contexts"], strict=True):
        assert item.text == str(context)[item.start : item.end] and item.text


@pytest.mark.parametrize("texts", [5, None])
def test_texts_neither_str_nor_list_are_input_errors(ner_model: TokenClassificationModel, texts: object) -> None:
    from neuraltypes_collections.common._errors import InputError

    with pytest.raises(InputError, match=r"^texts: expected a str or a list of str, got "):
        recognize_entities(ner_model, texts)  # type: ignore[call-overload]


def test_text_with_undecodable_bytes_is_an_input_error(ner_model: TokenClassificationModel,
                                                       qa_model: QuestionAnsweringModel) -> None:
    from neuraltypes_collections.common._errors import InputError

    bad = "john \udcff went"  # an argument's non-UTF-8 byte, decoded with surrogateescape
    with pytest.raises(InputError, match=r"^texts\[1\]: not UTF-8 text"):
        recognize_entities(ner_model, ["fine", bad])
    with pytest.raises(InputError, match=r"^questions: not UTF-8 text"):
        answer(qa_model, bad, "john went home")
