"""read_nemo and the NeMo importer registry, on synthetic .nemo files (real fixtures: the collections' tests)."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import neuraltypes_collections.common as common
import pytest
import torch
from common_archive_helpers import NEMO_CTC
from neuraltypes_collections.common import (
    ArchiveError,
    NemoCheckpoint,
    NeuralModel,
    UnknownModelError,
    read_nemo,
    register_nemo_importer,
)


@pytest.mark.parametrize("gz", [False, True])
def test_read_nemo_tar_and_tar_gz(make_nemo, gz):
    path = make_nemo(gz=gz, artifacts={"3f2a_vocab.txt": b"a\nb\n"})
    checkpoint = read_nemo(path)
    assert isinstance(checkpoint, NemoCheckpoint)
    assert checkpoint.target == NEMO_CTC
    assert checkpoint.config["labels"] == [" ", "a", "n", "y"]  # YAML 1.1 'n'/'y' stay strings
    assert torch.equal(checkpoint.state_dict["encoder.weight"], torch.arange(6.0).reshape(2, 3))
    assert checkpoint.state_dict["encoder.bn.num_batches_tracked"].dtype == torch.int64
    assert checkpoint.artifacts == {"3f2a_vocab.txt": b"a\nb\n"}
    assert checkpoint.source == str(path)
    with pytest.raises(dataclasses.FrozenInstanceError):
        checkpoint.target = "x"  # type: ignore[misc]


def test_artifact_references_resolve(make_nemo):
    checkpoint = read_nemo(make_nemo(artifacts={"3f2a_vocab.txt": b"v", "9b_cmudict": b"c"}))
    assert checkpoint.artifact("nemo:3f2a_vocab.txt") == b"v"
    assert checkpoint.artifact("vocab.txt") == b"v"  # old checkpoints: bare basename
    with pytest.raises(ArchiveError, match=r"artifact 'nemo:missing.txt'.*3f2a_vocab.txt"):
        checkpoint.artifact("nemo:missing.txt")


def test_names_without_dot_slash_prefix(tmp_path):
    from common_archive_helpers import nemo_members, write_tar

    members = [(name.removeprefix("./"), data) for name, data in nemo_members()]
    assert read_nemo(write_tar(tmp_path / "old.nemo", members)).target == NEMO_CTC


def test_missing_weights_member(tmp_path):
    from common_archive_helpers import nemo_members, write_tar

    path = write_tar(tmp_path / "m.nemo", nemo_members()[:1])
    with pytest.raises(ArchiveError, match=r"m\.nemo: not a \.nemo checkpoint: no model_weights\.ckpt"):
        read_nemo(path)


def test_non_tensor_values_are_refused(make_nemo):
    path = make_nemo(state_dict={"w": torch.zeros(1), "epoch": 3})  # type: ignore[dict-item]
    with pytest.raises(ArchiveError, match=r"model_weights\.ckpt'.*non-tensor entries \(epoch\)"):
        read_nemo(path)


def test_config_without_target(make_nemo):
    with pytest.raises(ArchiveError, match="has no 'target' key"):
        read_nemo(make_nemo(config={"sample_rate": 16000}))


def test_unknown_architecture_lists_known_ones(make_nemo):
    path = make_nemo(config={"target": "nemo.collections.asr.models.NoSuchModel"})
    with pytest.raises(
        UnknownModelError,
        match=r"no importer for the NeMo architecture 'nemo\.collections\.asr\.models\.NoSuchModel'; known architectures: ",
    ):
        common.restore_from(path)


@dataclasses.dataclass(frozen=True)
class _Cfg:
    width: int = 3


class _Imported(NeuralModel):
    Config = _Cfg

    def __init__(self, config: _Cfg) -> None:
        super().__init__(config)
        self.weight = torch.nn.Parameter(torch.zeros(2, config.width))


def test_registered_importer_is_used_by_restore_from(make_nemo):
    target = "nemo.collections.test_only.models.Imported"

    @register_nemo_importer(target)
    def import_it(checkpoint: NemoCheckpoint) -> _Imported:
        model = _Imported(_Cfg(width=checkpoint.config["width"]))
        common.load_state_dict_checked(
            model, {"weight": checkpoint.state_dict["encoder.weight"]}, source=checkpoint.source
        )
        return model

    path = make_nemo(config={"target": target, "width": 3})
    model = common.restore_from(path, map_location="cpu")
    assert isinstance(model, _Imported) and not model.training
    assert torch.equal(model.weight, torch.arange(6.0).reshape(2, 3))
    assert target in common.known_nemo_targets()


def test_importer_registered_twice_for_one_target_is_an_error():
    target = "nemo.collections.test_only.models.Twice"
    register_nemo_importer(target)(lambda checkpoint: None)  # type: ignore[arg-type,return-value]
    with pytest.raises(ValueError, match="already registered"):

        @register_nemo_importer(target)
        def other(checkpoint: NemoCheckpoint) -> NeuralModel:  # pragma: no cover
            raise AssertionError


def test_weights_mismatch_lists_keys_and_shapes():
    model = _Imported(_Cfg(width=3))
    with pytest.raises(common.WeightsMismatchError) as info:
        common.load_state_dict_checked(
            model, {"weight": torch.zeros(2, 4), "extra.bias": torch.zeros(1)}, source="x.nemo"
        )
    message = str(info.value)
    assert "unexpected keys (1): extra.bias" in message
    assert "shape mismatch for 'weight': model expects [2, 3], checkpoint has [2, 4]" in message
    assert info.value.missing == [] and info.value.unexpected == ["extra.bias"]
    common.load_state_dict_checked(
        model, {"weight": torch.ones(2, 3), "loss.weight": torch.ones(1)}, ignore_unexpected=["loss."]
    )
    assert torch.equal(model.weight, torch.ones(2, 3))


def test_importing_common_imports_no_collection_nor_lightning():
    code = (
        "import sys, neuraltypes_collections.common as c\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('lightning', 'pytorch_lightning', 'hydra', 'omegaconf', 'torchaudio')"
        " or m.startswith(('neuraltypes_collections.asr', 'neuraltypes_collections.tts', 'neuraltypes_collections.nlp'))]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
