"""NeMo 2.4 PunctuationCapitalizationModel parity: restore the .nemo and reproduce its recorded outputs."""

import shutil
import tarfile
from pathlib import Path

import numpy as np
import pytest
import torch
from neuraltypes_collections.common import WeightsMismatchError, known_nemo_targets, read_nemo, restore_from
from neuraltypes_collections.nlp import PunctuationCapitalizationModel, import_nemo_punctuation

FIXTURE = Path(__file__).parent / "fixtures" / "punctuation_capitalization_nemo24"

TARGET = ("nemo.collections.nlp.models.token_classification.punctuation_capitalization_model."
          "PunctuationCapitalizationModel")


def test_importer_is_registered() -> None:
    assert TARGET in known_nemo_targets()


def test_logits_match_nemo(nemo_model: PunctuationCapitalizationModel, nemo_inputs: dict[str, np.ndarray],
                           nemo_outputs: dict[str, np.ndarray]) -> None:
    with torch.no_grad():
        out = nemo_model(torch.from_numpy(nemo_inputs["input_ids"]),
                         torch.from_numpy(nemo_inputs["attention_mask"]).bool(),
                         torch.from_numpy(nemo_inputs["token_type_ids"]))
    valid = nemo_inputs["attention_mask"].astype(bool)
    punct = out.punct_logits.numpy()[valid]
    capit = out.capit_logits.numpy()[valid]
    np.testing.assert_allclose(punct, nemo_outputs["punct_logits"][valid], atol=1e-4, rtol=0)
    np.testing.assert_allclose(capit, nemo_outputs["capit_logits"][valid], atol=1e-4, rtol=0)


def test_text_output_matches_nemo(nemo_model: PunctuationCapitalizationModel, nemo_inputs: dict[str, np.ndarray],
                                  nemo_outputs: dict[str, np.ndarray]) -> None:
    queries = [str(q) for q in nemo_inputs["queries"]]
    assert nemo_model.add_punctuation_capitalization(queries) == [str(p) for p in nemo_outputs["punctuated"]]


def test_config_is_mapped(nemo_model: PunctuationCapitalizationModel) -> None:
    config = nemo_model.config
    assert config.punct_labels == ("O", ",", ".", "?")
    assert config.capit_labels == ("O", "U")
    assert (config.punct_head.num_layers, config.capit_head.num_layers) == (2, 1)
    assert config.base_encoder == "" and config.max_length == 128


def test_tokenizer_comes_from_the_archive(nemo_model: PunctuationCapitalizationModel,
                                          nemo_inputs: dict[str, np.ndarray]) -> None:
    encoded = nemo_model.tokenizer([str(q) for q in nemo_inputs["queries"]], padding=True)
    width = len(encoded["input_ids"][0])
    np.testing.assert_array_equal(np.asarray(encoded["input_ids"]), nemo_inputs["input_ids"][:, :width])


def test_save_to_restore_from_round_trip(nemo_model: PunctuationCapitalizationModel, tmp_path: Path,
                                         nemo_inputs: dict[str, np.ndarray]) -> None:
    path = tmp_path / "punct.nta"
    nemo_model.save_to(path)
    again = restore_from(path)
    ids = torch.from_numpy(nemo_inputs["input_ids"])
    mask = torch.from_numpy(nemo_inputs["attention_mask"]).bool()
    with torch.no_grad():
        a, b = nemo_model(ids, mask), again(ids, mask)
    assert torch.equal(a.punct_logits, b.punct_logits) and torch.equal(a.capit_logits, b.capit_logits)


def test_missing_head_weights_are_listed(tmp_path: Path) -> None:
    checkpoint = read_nemo(FIXTURE / "model.nemo")
    state = {k: v for k, v in checkpoint.state_dict.items() if not k.startswith("capit_classifier.")}
    broken = type(checkpoint)(checkpoint.config, state, checkpoint.artifacts, checkpoint.target, "broken.nemo")
    with pytest.raises(WeightsMismatchError, match=r"capit_head\.layers\.0\.weight"):
        import_nemo_punctuation(broken)


def test_archive_without_encoder_config_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "src"
    with tarfile.open(FIXTURE / "model.nemo") as tar:
        tar.extractall(source, filter="data")
    for member in source.glob("*_encoder_config.json"):
        member.unlink()
    target = tmp_path / "no_config.nemo"
    with tarfile.open(target, "w") as tar:
        for member in sorted(source.iterdir()):
            tar.add(member, arcname=f"./{member.name}")
    with pytest.raises(Exception, match="encoder_config.json"):
        restore_from(target)
    shutil.rmtree(source)
