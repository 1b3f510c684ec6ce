"""Helpers for the model-layer tests: synthetic .nemo files and hostile tar archives.

A uniquely named module (not conftest): test directories without __init__.py share one `conftest` name.
"""

from __future__ import annotations

import io
import tarfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
import yaml

NEMO_CTC = "nemo.collections.asr.models.ctc_models.EncDecCTCModel"


def write_tar(path: Path, members: list[tarfile.TarInfo | tuple[str, bytes]], *, gz: bool = False) -> Path:
    """Write a tar with the given members: ``(name, data)`` pairs or prepared ``TarInfo`` (links, devices)."""
    with tarfile.open(path, "w:gz" if gz else "w") as tar:
        for member in members:
            if isinstance(member, tarfile.TarInfo):
                tar.addfile(member)
            else:
                name, data = member
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return path


def torch_bytes(obj: Any) -> bytes:
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return buffer.getvalue()


def nemo_members(
    config: Mapping[str, Any] | None = None,
    state_dict: Mapping[str, torch.Tensor] | None = None,
    artifacts: Mapping[str, bytes] | None = None,
) -> list[tuple[str, bytes]]:
    config = (
        dict(config)
        if config is not None
        else {
            "target": NEMO_CTC,
            "sample_rate": 16000,
            "labels": [" ", "a", "n", "y"],
            "encoder": {"_target_": "nemo.collections.asr.modules.ConvASREncoder", "feat_in": 8},
            "nemo_version": "3.0.0",
        }
    )
    state_dict = (
        state_dict
        if state_dict is not None
        else {
            "encoder.weight": torch.arange(6, dtype=torch.float32).reshape(2, 3),
            "encoder.bn.num_batches_tracked": torch.tensor(3),
        }
    )
    members = [
        ("./model_config.yaml", yaml.safe_dump(config).encode()),
        ("./model_weights.ckpt", torch_bytes(dict(state_dict))),
    ]
    for name, data in (artifacts or {}).items():
        members.append((f"./{name}", data))
    return members
