"""Helpers of the Whisper tests: a CTranslate2 writer (to build small and hostile files) and a random tiny Whisper."""

from __future__ import annotations

import json
import struct
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import torch
from neuraltypes_collections.asr.whisper import WhisperConfig, WhisperDimensions, WhisperModel

FIXTURES = Path(__file__).parent / "fixtures"
TINY = WhisperDimensions(n_mels=8, n_audio_ctx=25, n_audio_state=16, n_audio_head=2, n_audio_layer=2,
                         n_vocab=51864, n_text_ctx=12, n_text_state=16, n_text_head=2, n_text_layer=1)  # fmt: skip

_CODES = {np.dtype("float32"): 0, np.dtype("int8"): 1, np.dtype("int16"): 2, np.dtype("int32"): 3,
          np.dtype("float16"): 4}  # fmt: skip


def _string(text: str) -> bytes:
    raw = text.encode() + b"\0"
    return struct.pack("<H", len(raw)) + raw


def ct2_bytes(
    variables: Mapping[str, np.ndarray],
    aliases: Mapping[str, str] | None = None,
    *,
    spec: str = "WhisperSpec",
    version: int = 6,
) -> bytes:
    """A CTranslate2 `model.bin` holding `variables` (numpy arrays) and `aliases`, as ctranslate2 writes it."""
    out = [struct.pack("<I", version), _string(spec), struct.pack("<I", 3), struct.pack("<I", len(variables))]
    for name, array in variables.items():
        array = np.asarray(array).copy(order="C")  # (ascontiguousarray would make a scalar 1-D)
        out += [_string(name), struct.pack("<B", array.ndim), struct.pack(f"<{array.ndim}I", *array.shape),
                struct.pack("<B", _CODES[array.dtype]), struct.pack("<I", array.nbytes), array.tobytes()]  # fmt: skip
    out.append(struct.pack("<I", len(aliases or {})))
    for alias, target in (aliases or {}).items():
        out += [_string(alias), _string(target)]
    return b"".join(out)


def ct2_variables(model: WhisperModel, *, int8: bool = False) -> dict[str, np.ndarray]:
    """Our model's weights under CTranslate2's Whisper names (fused projections, zero key biases, int8 option)."""
    state = {key: value.detach().numpy() for key, value in model.state_dict().items()}
    dims = model.config.dimensions
    out: dict[str, np.ndarray] = {
        "encoder/num_heads": np.array(dims.n_audio_head, dtype=np.int16).astype(np.int32),
        "decoder/num_heads": np.array(dims.n_text_head, dtype=np.int32),
        "decoder/activation": np.array(3, dtype=np.int8),
        "decoder/pre_norm": np.array(1, dtype=np.int8),
        "encoder/position_encodings/encodings": state["encoder.positional_embedding"],
        "decoder/position_encodings/encodings": state["decoder.positional_embedding"],
        "decoder/embeddings/weight": state["decoder.token_embedding.weight"],
    }

    def linear(name: str, *prefixes: str) -> None:
        weight = np.concatenate([state[f"{p}.weight"] for p in prefixes])
        bias = np.concatenate([state.get(f"{p}.bias", np.zeros(state[f"{p}.weight"].shape[0], np.float32))
                               for p in prefixes])  # fmt: skip
        if int8 and weight.ndim == 2:
            scale = (127.0 / np.maximum(np.abs(weight).max(axis=1), 1e-8)).astype(np.float32)
            out[f"{name}/weight"] = np.round(weight * scale[:, None]).astype(np.int8)
            out[f"{name}/weight_scale"] = scale
        else:
            out[f"{name}/weight"] = weight
        out[f"{name}/bias"] = bias

    def norm(name: str, prefix: str) -> None:
        out[f"{name}/gamma"], out[f"{name}/beta"] = state[f"{prefix}.weight"], state[f"{prefix}.bias"]

    linear("encoder/conv1", "encoder.conv1")
    linear("encoder/conv2", "encoder.conv2")
    norm("encoder/layer_norm", "encoder.ln_post")
    norm("decoder/layer_norm", "decoder.ln")
    for side, count in (("encoder", dims.n_audio_layer), ("decoder", dims.n_text_layer)):
        for i in range(count):
            ct2, ours = f"{side}/layer_{i}", f"{side}.blocks.{i}"
            norm(f"{ct2}/self_attention/layer_norm", f"{ours}.attn_ln")
            linear(
                f"{ct2}/self_attention/linear_0",
                f"{ours}.attn.query",
                f"{ours}.attn.key",
                f"{ours}.attn.value",
            )
            linear(f"{ct2}/self_attention/linear_1", f"{ours}.attn.out")
            norm(f"{ct2}/ffn/layer_norm", f"{ours}.mlp_ln")
            linear(f"{ct2}/ffn/linear_0", f"{ours}.mlp.0")
            linear(f"{ct2}/ffn/linear_1", f"{ours}.mlp.2")
            if side == "decoder":
                norm(f"{ct2}/attention/layer_norm", f"{ours}.cross_attn_ln")
                linear(f"{ct2}/attention/linear_0", f"{ours}.cross_attn.query")
                linear(f"{ct2}/attention/linear_1", f"{ours}.cross_attn.key", f"{ours}.cross_attn.value")
                linear(f"{ct2}/attention/linear_2", f"{ours}.cross_attn.out")
    return out


def tiny_whisper(seed: int = 0) -> WhisperModel:
    """A random tiny Whisper with tiny.en's vocabulary size (no tokenizer)."""
    torch.manual_seed(seed)
    model = WhisperModel(WhisperConfig(TINY, suppress_ids=(1, 2), suppress_ids_begin=(220, 50256),
                                       alignment_heads=((0, 1),)))  # fmt: skip
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.normal_(0.0, 0.2)
    return model.eval()


def write_ct2_directory(
    model: WhisperModel, folder: Path, tokenizer_json: bytes, *, int8: bool = False
) -> Path:
    """`model` as a CTranslate2 Whisper directory (model.bin, config.json, tokenizer.json)."""
    folder.mkdir(parents=True, exist_ok=True)
    aliases = {"decoder/projection/weight": "decoder/embeddings/weight"}
    (folder / "model.bin").write_bytes(ct2_bytes(ct2_variables(model, int8=int8), aliases))
    config = model.config
    (folder / "config.json").write_text(json.dumps({
        "suppress_ids": list(config.suppress_ids), "suppress_ids_begin": list(config.suppress_ids_begin),
        "lang_ids": list(config.lang_ids), "alignment_heads": [list(pair) for pair in config.alignment_heads],
    }))  # fmt: skip
    (folder / "tokenizer.json").write_bytes(tokenizer_json)
    return folder
