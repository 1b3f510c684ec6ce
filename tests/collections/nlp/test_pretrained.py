"""The shipped model: offline by name, sensible output, and long texts punctuated like their passages alone."""

import pytest
from neuraltypes_collections.common import from_pretrained, list_available_models
from neuraltypes_collections.nlp import (
    PunctuationCapitalizationModel,
    apply_labels,
    labelled_words_from_text,
    predict_labels,
)

BEFORE = (
    "The committee met again on Thursday to review the budget for the coming year. Most members agreed that the "
    "library needed more money, but nobody could say where it should come from. Some wanted to raise the fees "
    "for the sports hall, while others preferred to cut the printing costs of the town newsletter. After two "
    "hours of debate, the chairman asked for a short break. When they came back, the treasurer presented a new "
    "plan. It would spread the cost over three years and ask local businesses for support. Would the businesses "
    "agree to pay? Nobody knew, but the plan was accepted by a large majority. The next meeting will be held in "
    "March, when the first replies are expected. Until then, the library will keep its current opening hours."
)
PASSAGE = (
    "A compiler translates a program written in a high level language into machine code. It usually works in "
    "several passes. First, the source text is split into tokens, and the tokens are parsed into a tree. The "
    "tree is then checked for errors, optimised and finally turned into instructions for the processor. Why "
    "does this matter? Because a good compiler can make the same program run much faster."
)
AFTER = (
    "In the evening we walked down to the harbour. The boats were coming in, and the fishermen were unloading "
    "their catch onto the quay. My brother asked one of them how long he had been at sea. He laughed and said "
    "that he had started when he was twelve years old. We bought some fish for dinner and carried it back to "
    "the house. It was late when we finally sat down to eat, but nobody minded. The wind had dropped, the sky "
    "was clear, and we could hear the waves on the rocks below the garden. Tomorrow we plan to take the ferry "
    "to the island and spend the day walking along the cliffs."
)


@pytest.fixture(scope="module")
def shipped() -> PunctuationCapitalizationModel:
    model = from_pretrained("punctuation_en_minilm")
    assert isinstance(model, PunctuationCapitalizationModel)
    return model


def test_listed_in_the_registry() -> None:
    entry = {e.name: e for e in list_available_models()}["punctuation_en_minilm"]
    assert entry.cls == "nlp.punctuation_capitalization"


def test_restores_simple_sentences(shipped: PunctuationCapitalizationModel) -> None:
    out = shipped.add_punctuation_capitalization(["how are you today", "this is a very good idea",
                                                  "where did you put the keys"])
    assert out == ["How are you today?", "This is a very good idea.", "Where did you put the keys?"]


def test_quality_on_a_held_out_paragraph(shipped: PunctuationCapitalizationModel) -> None:
    gold = labelled_words_from_text(BEFORE)
    [predicted] = predict_labels(shipped, [gold.words])
    punct_agree = sum(a == b for a, b in zip(gold.punct, predicted.punct, strict=True)) / len(gold.words)
    capit_agree = sum(a == b for a, b in zip(gold.capit, predicted.capit, strict=True)) / len(gold.words)
    assert punct_agree > 0.9 and capit_agree > 0.95, (punct_agree, capit_agree, predicted.text())


def test_long_text_matches_the_passage_alone_near_its_middle(shipped: PunctuationCapitalizationModel) -> None:
    before, passage, after = (labelled_words_from_text(t).words for t in (BEFORE, PASSAGE, AFTER))
    long_words = before + passage + after
    subwords = sum(len(shipped.tokenizer.tokenize(w)) for w in long_words)
    assert subwords > 2 * shipped.config.max_length  # well past what one encoder window sees
    [alone, inside] = predict_labels(shipped, [passage, long_words])
    start = len(before)
    margin = 12  # words near the passage's edges legitimately see different neighbours
    middle = range(margin, len(passage) - margin)
    punct_alone = [alone.punct[k] for k in middle]
    punct_inside = [inside.punct[start + k] for k in middle]
    assert punct_inside == punct_alone, apply_labels(passage, inside.punct[start : start + len(passage)],
                                                     inside.capit[start : start + len(passage)])
    # Capitalization is held to agreement: one uncertain "the" after "First," flips with the window's context.
    capit_agree = sum(alone.capit[k] == inside.capit[start + k] for k in middle) / len(middle)
    assert capit_agree >= 0.95, capit_agree
