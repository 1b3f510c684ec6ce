"""save_to / restore_from round trips, the archive layout, and model registration."""

from __future__ import annotations

import dataclasses
import json
import tarfile

import neuraltypes_collections.common as common
import pytest
import torch
from neuraltypes_collections.common import (
    ConfigError,
    NeuralModel,
    TinyRegressor,
    TinyRegressorConfig,
    UnknownModelError,
    register_model,
)


def test_round_trip_is_bit_exact(tmp_path):
    torch.manual_seed(0)
    model = TinyRegressor(TinyRegressorConfig(features=5, hidden=7))
    model.add_artifact("vocab.txt", b"a\nb\n")
    path = tmp_path / "tiny.nta"
    model.save_to(path)
    restored = NeuralModel.restore_from(path)
    assert isinstance(restored, TinyRegressor) and not restored.training
    assert restored.config == TinyRegressorConfig(features=5, hidden=7)
    assert restored.artifacts == {"vocab.txt": b"a\nb\n"}
    features = torch.randn(9, 5)
    assert torch.equal(model.eval()(features), restored(features))
    for key, value in model.state_dict().items():
        assert (
            torch.equal(value, restored.state_dict()[key]) and value.dtype == restored.state_dict()[key].dtype
        )


def test_archive_layout_and_determinism(tmp_path):
    model = TinyRegressor(TinyRegressorConfig())
    model.save_to(tmp_path / "a.nta")
    model.save_to(tmp_path / "b.nta")
    assert (tmp_path / "a.nta").read_bytes() == (tmp_path / "b.nta").read_bytes()
    with tarfile.open(tmp_path / "a.nta") as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("neuraltypes.json").read())  # type: ignore[union-attr]
    assert names == ["neuraltypes.json", "config.yaml", "contract.json", "weights.safetensors"]
    assert manifest["model"] == "common.tiny_regressor" and manifest["format"] == "neuraltypes.archive"
    assert set(manifest["files"]) == set(names[1:])
    assert not any(name.endswith((".pt", ".ckpt", ".pkl")) for name in names)
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary file left behind


def test_tied_weights_are_saved(tmp_path):
    @dataclasses.dataclass(frozen=True)
    class TiedConfig:
        size: int = 3

    @register_model("common.test_tied")
    class Tied(NeuralModel):
        Config = TiedConfig

        def __init__(self, config: TiedConfig) -> None:
            super().__init__(config)
            self.a = torch.nn.Linear(config.size, config.size, bias=False)
            self.b = torch.nn.Linear(config.size, config.size, bias=False)
            self.b.weight = self.a.weight

    model = Tied(TiedConfig())
    model.save_to(tmp_path / "tied.nta")
    restored = common.restore_from(tmp_path / "tied.nta")
    assert torch.equal(restored.b.weight, model.a.weight)


def test_restore_through_a_subclass_checks_the_class(tmp_path):
    TinyRegressor(TinyRegressorConfig()).save_to(tmp_path / "tiny.nta")
    assert isinstance(TinyRegressor.restore_from(tmp_path / "tiny.nta"), TinyRegressor)

    @dataclasses.dataclass(frozen=True)
    class OtherConfig:
        pass

    @register_model("common.test_other")
    class Other(NeuralModel):
        Config = OtherConfig

    with pytest.raises(ConfigError, match=r"holds a TinyRegressor \('common.tiny_regressor'\), not a Other"):
        Other.restore_from(tmp_path / "tiny.nta")


def test_unregistered_model_cannot_be_saved(tmp_path):
    @dataclasses.dataclass(frozen=True)
    class LooseConfig:
        pass

    class Loose(NeuralModel):
        Config = LooseConfig

    with pytest.raises(ConfigError, match=r"Loose is not registered; decorate it with @register_model"):
        Loose(LooseConfig()).save_to(tmp_path / "x.nta")
    assert not list(tmp_path.iterdir())


def test_the_config_class_is_named_once_as_the_type_argument():
    from neuraltypes_collections.common._model import ConfigT

    @dataclasses.dataclass(frozen=True)
    class SizeConfig:
        size: int = 2

    class Sized(NeuralModel[SizeConfig]):
        def __init__(self, config: SizeConfig) -> None:
            super().__init__(config)
            self.linear = torch.nn.Linear(config.size, 1)

    class _Family(NeuralModel[ConfigT]):  # a generic base of models names no config itself
        pass

    class Member(_Family[SizeConfig]):
        pass

    class Explicit(NeuralModel):
        Config = SizeConfig

    class Nameless(NeuralModel):
        pass

    assert Sized.Config is Member.Config is Explicit.Config is SizeConfig and TinyRegressor.Config is TinyRegressorConfig
    assert "Config" not in vars(_Family)
    assert Sized(SizeConfig(3)).linear.in_features == 3 and Member(SizeConfig()).config == SizeConfig()
    with pytest.raises(ConfigError, match=r"Sized expects a SizeConfig config, got TinyRegressorConfig"):
        Sized(TinyRegressorConfig())  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"Nameless must name its config class, a frozen dataclass: "
                                          r"class Nameless\(NeuralModel\[ItsConfig\]\)"):
        Nameless(SizeConfig())


def test_wrong_config_type_is_refused():
    with pytest.raises(ConfigError, match="TinyRegressor expects a TinyRegressorConfig config, got dict"):
        TinyRegressor({"features": 4})  # type: ignore[arg-type]


def test_unknown_model_name_lists_registered(tmp_path):
    with pytest.raises(UnknownModelError, match=r"'common\.nope'; registered: .*common\.tiny_regressor"):
        common.model_class("common.nope")


def test_map_location(tmp_path):
    TinyRegressor(TinyRegressorConfig()).save_to(tmp_path / "tiny.nta")
    restored = common.restore_from(tmp_path / "tiny.nta", map_location="meta")
    assert restored.hidden.weight.device.type == "meta"


def test_inspect_reads_without_building(tmp_path):
    model = TinyRegressor(TinyRegressorConfig(features=3, hidden=2))
    model.add_artifact("labels.txt", b"x")
    model.save_to(tmp_path / "tiny.nta")
    info = common.inspect_archive(tmp_path / "tiny.nta")
    assert info.kind == "neuraltypes" and info.model == "common.tiny_regressor"
    assert info.config == {"features": 3, "hidden": 2}
    assert info.weights["hidden.weight"] == ("F32", (2, 3))
    assert info.parameter_count == sum(p.numel() for p in model.parameters())
    assert info.artifacts == {"labels.txt": 1}


def test_archive_contract_equals_the_derived_one(tmp_path, capsys):
    import neuraltypes

    model = TinyRegressor(TinyRegressorConfig())
    model.save_to(tmp_path / "tiny.nta")
    with tarfile.open(tmp_path / "tiny.nta") as tar:
        stored = json.loads(tar.extractfile("contract.json").read())  # type: ignore[union-attr]
    assert stored == json.loads(json.dumps(neuraltypes.contract_of(model)))
    assert stored["forward"]["inputs"]["features"]["tag"] == "Encoded"
    assert stored["forward"]["output"]["tag"] == "RegressionValues"
    assert common.inspect_archive(tmp_path / "tiny.nta").contract == stored
    from neuraltypes_collections.common._cli import main

    assert main(["inspect", str(tmp_path / "tiny.nta")]) == 0
    out = capsys.readouterr().out
    assert 'features: Encoded "batch channel"' in out and 'output: RegressionValues "batch"' in out


def test_restored_model_checks_its_contract(tmp_path):
    import neuraltypes

    TinyRegressor(TinyRegressorConfig()).save_to(tmp_path / "tiny.nta")
    restored = common.restore_from(tmp_path / "tiny.nta")
    with pytest.raises(neuraltypes.ContractViolation, match="features"):
        restored(torch.zeros(2, 3, 4))  # one axis too many


def test_contract_drift_warns(tmp_path):
    import hashlib

    from common_archive_helpers import write_tar
    from neuraltypes_collections.common._archive import archive_members

    members = archive_members(TinyRegressor(TinyRegressorConfig()))
    members["contract.json"] = json.dumps({"forward": {"inputs": {}, "output": None}}).encode()
    manifest = json.loads(members["neuraltypes.json"])
    manifest["files"]["contract.json"] = {
        "sha256": hashlib.sha256(members["contract.json"]).hexdigest(),
        "size": len(members["contract.json"]),
    }
    members["neuraltypes.json"] = json.dumps(manifest).encode()
    path = write_tar(tmp_path / "drift.nta", list(members.items()))
    with pytest.warns(common.ContractDriftWarning, match="the stored contract differs"):
        common.restore_from(path)


def test_the_battery_catches_a_model_that_does_not_round_trip(tmp_path):
    @dataclasses.dataclass(frozen=True)
    class DriftConfig:
        size: int = 2

    @register_model("common.test_drift")
    class Drift(NeuralModel):
        """Its output depends on an unsaved attribute, so a restored copy computes something else."""

        Config = DriftConfig

        def __init__(self, config: DriftConfig) -> None:
            super().__init__(config)
            self.linear = torch.nn.Linear(config.size, config.size)
            self.scale = float(torch.rand(()))  # not part of the state dict

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.linear(x) * self.scale

    with pytest.raises(AssertionError, match=r"Drift\.forward: outputs differ after save_to/restore_from"):
        common.check_neural_model(Drift(DriftConfig()), (torch.randn(2, 2),), directory=tmp_path)


@pytest.mark.parametrize("where", ["missing", "folder"])
def test_atomic_output_names_an_unusable_destination(tmp_path, where):
    from neuraltypes_collections.common._archive import atomic_output
    from neuraltypes_collections.common._errors import InputError

    path = tmp_path / "missing" / "out.wav" if where == "missing" else tmp_path
    with pytest.raises(InputError, match="cannot write it") as caught, atomic_output(path) as file:
        file.write(b"never")
    assert str(caught.value).startswith(str(path))
    expected = str(tmp_path / "missing") if where == "missing" else str(tmp_path)
    assert caught.value.source == expected and list(tmp_path.iterdir()) == []
