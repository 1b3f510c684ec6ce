"""Frozen dataclass configs: dict/YAML round trips, type checks, Hydra structured configs, _target_ allow-list."""

from __future__ import annotations

import dataclasses
import enum
from typing import Annotated, Literal

import pytest
from neuraltypes_collections.common import (
    CheckedConfig,
    ConfigError,
    Interval,
    MultipleOf,
    OneOf,
    OptimizerConfig,
    TinyRegressor,
    TinyRegressorConfig,
    TrainingConfig,
    config_from_dict,
    config_from_omegaconf,
    config_from_yaml,
    config_to_dict,
    config_to_yaml,
    instantiate,
    register_target,
    structured_config,
)


class Norm(enum.Enum):
    BATCH = "batch"
    LAYER = "layer"


@dataclasses.dataclass(frozen=True)
class Block:
    channels: int = 8
    kernel: tuple[int, ...] = (3, 5)
    norm: Norm = Norm.BATCH


@dataclasses.dataclass(frozen=True)
class Encoder:
    blocks: tuple[Block, ...] = (Block(), Block(channels=16))
    labels: tuple[str, ...] = (" ", "a", "n", "y")
    dropout: float = 0.1
    activation: Literal["relu", "silu"] = "relu"
    stride: int | None = None
    name: str = "enc"


def test_round_trip_through_yaml():
    config = Encoder(stride=2)
    text = config_to_yaml(config)
    assert "- 'n'" in text or "- n" in text
    assert config_from_yaml(Encoder, text) == config
    assert config_from_dict(Encoder, config_to_dict(config)) == config


def test_int_accepted_for_float_but_not_the_reverse():
    assert config_from_dict(Encoder, {"dropout": 0}).dropout == 0.0
    with pytest.raises(ConfigError, match=r"config\.blocks\[0\]\.channels: expected int, got float 8\.5"):
        config_from_dict(Encoder, {"blocks": [{"channels": 8.5}]})


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"activation": "gelu"}, r"config\.activation: 'gelu' is not one of 'relu', 'silu'"),
        (
            {"blocks": [{"norm": "group"}]},
            r"config\.blocks\[0\]\.norm: 'group' is not a valid Norm \('batch', 'layer'\)",
        ),
        ({"dropout": "high"}, r"config\.dropout: expected float, got str 'high'"),
        ({"stride": "2"}, r"config\.stride: '2' matches none of"),
        ({"labels": "abc"}, r"config\.labels: expected a list"),
        ({"blocks": [{"kernel": 3}]}, r"config\.blocks\[0\]\.kernel: expected a list"),
        ({"name": True}, r"config\.name: expected str, got bool True"),
    ],
)
def test_type_errors_name_the_key(data, message):
    with pytest.raises(ConfigError, match=message):
        config_from_dict(Encoder, data)


def test_missing_required_key():
    @dataclasses.dataclass(frozen=True)
    class Needs:
        vocab_size: int

    with pytest.raises(ConfigError, match="config: missing required key 'vocab_size' for Needs"):
        config_from_dict(Needs, {})


@dataclasses.dataclass(frozen=True)
class Window(CheckedConfig):
    n_fft: Annotated[int, Interval(ge=1)] = 512
    length: Annotated[int, Interval(gt=0, le="n_fft")] = 400
    kernel: Annotated[int, MultipleOf(2, remainder=1, why="to keep lengths")] = 3
    heads: Annotated[int, Interval(ge=1)] = 2
    width: Annotated[int, MultipleOf("heads")] = 8
    dropout: Annotated[float, Interval(ge=0, lt=1)] = 0.1
    scale: Annotated[str | None, OneOf("slaney", "htk", None)] = "slaney"
    f_max_hz: Annotated[float | None, Interval(gt=0)] = None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"length": 1024}, "Window: length must be > 0 and <= n_fft=512, got 1024"),
        ({"n_fft": 0, "length": 0}, "Window: n_fft must be >= 1, got 0; length must be > 0 and <= n_fft=0, got 0"),
        ({"kernel": 4}, r"Window: kernel must be odd \(to keep lengths\), got 4"),
        ({"width": 9, "heads": 2}, "Window: width must be a multiple of heads=2, got 9"),
        ({"dropout": 1.0}, "Window: dropout must be >= 0 and < 1, got 1.0"),
        ({"scale": "mel"}, "Window: scale must be one of 'slaney', 'htk', None, got 'mel'"),
        ({"f_max_hz": -1.0}, "Window: f_max_hz must be > 0, got -1.0"),
    ],
)
def test_checked_fields_name_the_class_field_rule_and_value(changes, message):
    with pytest.raises(ConfigError, match=f"^{message}$") as caught:
        Window(**changes)
    assert caught.value.code == "NT302"
    with pytest.raises(ConfigError, match=message):
        dataclasses.replace(Window(), **changes)
    with pytest.raises(ConfigError, match=message):
        config_from_dict(Window, changes)


def test_checked_fields_accept_valid_values_and_none():
    assert Window(scale=None, f_max_hz=None, width=6, heads=3, kernel=1).width == 6
    assert config_from_yaml(Window, "length: 512\nscale: htk\n") == Window(length=512, scale="htk")
    omegaconf = pytest.importorskip("omegaconf")
    node = structured_config(Window)
    node.length = 256
    assert config_from_omegaconf(Window, node) == Window(length=256)
    node.length = 4096
    with pytest.raises(ConfigError, match="length must be > 0 and <= n_fft=512, got 4096"):
        config_from_omegaconf(Window, node)
    with pytest.raises(omegaconf.errors.ValidationError):
        omegaconf.OmegaConf.merge(node, {"n_fft": "large"})


def test_configs_are_hydra_structured_configs():
    omegaconf = pytest.importorskip("omegaconf")
    structured = structured_config(TrainingConfig)
    merged = omegaconf.OmegaConf.merge(structured, {"optimizer": {"name": "novograd", "lr": 0.01}})
    config = config_from_omegaconf(TrainingConfig, merged)
    assert config == TrainingConfig(optimizer=OptimizerConfig(name="novograd", lr=0.01))
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.optimizer = OptimizerConfig()  # type: ignore[misc]
    with pytest.raises(omegaconf.errors.ValidationError):
        omegaconf.OmegaConf.merge(structured, {"optimizer": {"lr": "fast"}})
    with pytest.raises(ConfigError, match="optimizer.name 'lion' is not one of adam, adamw, sgd, novograd"):
        config_from_omegaconf(
            TrainingConfig, omegaconf.OmegaConf.merge(structured, {"optimizer": {"name": "lion"}})
        )
    model_node = structured_config(TinyRegressorConfig(hidden=3))
    model_node.features = 7
    assert config_from_omegaconf(TinyRegressorConfig, model_node) == TinyRegressorConfig(features=7, hidden=3)


def test_hydra_compose_with_overrides():
    hydra = pytest.importorskip("hydra")
    from hydra.core.config_store import ConfigStore

    ConfigStore.instance().store(name="test_common_training", node=structured_config(TrainingConfig))
    with hydra.initialize(version_base=None, config_path=None):
        node = hydra.compose(
            "test_common_training",
            overrides=["optimizer.name=sgd", "optimizer.momentum=0.9", "schedule.warmup_steps=10"],
        )
    config = config_from_omegaconf(TrainingConfig, node)
    assert (
        config.optimizer.name == "sgd"
        and config.optimizer.momentum == 0.9
        and config.schedule.warmup_steps == 10
    )


def test_instantiate_uses_only_registered_targets():
    model = instantiate(
        {
            "_target_": "common.tiny_regressor",
            "config": {"_target_": "common.TinyRegressorConfig", "hidden": 3},
        }
    )
    assert isinstance(model, TinyRegressor) and model.config.hidden == 3
    by_path = instantiate(
        {"_target_": "neuraltypes_collections.common._tiny.TinyRegressor", "config": TinyRegressorConfig()}
    )
    assert isinstance(by_path, TinyRegressor)
    with pytest.raises(
        ConfigError, match=r"_target_ 'os\.system' is not in the allow-list; nothing was imported or called"
    ):
        instantiate({"_target_": "os.system", "command": "echo pwned"})
    with pytest.raises(ConfigError, match=r"config\.inner: _target_ 'subprocess\.run'"):
        instantiate({"_target_": "common.tiny_regressor", "inner": {"_target_": "subprocess.run"}})


def test_register_target_conflict():
    register_target("test.identity", dict)
    register_target("test.identity", dict)  # idempotent
    with pytest.raises(ConfigError, match="already registered"):
        register_target("test.identity", list)


register_target("common.TinyRegressorConfig", TinyRegressorConfig)
