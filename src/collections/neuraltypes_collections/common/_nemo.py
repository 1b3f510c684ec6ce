"""Reading NeMo ``.nemo`` checkpoints safely, and the registry of importers that map them onto our models.

A ``.nemo`` file is a tar (or an older tar.gz) holding ``model_config.yaml``, ``model_weights.ckpt`` (a
plain state dict written by ``torch.save``) and artifact files. ``read_nemo`` reads it into memory
without extracting anything, loads the weights with ``torch.load(weights_only=True)`` and never imports
or calls anything named in the config.

Collections register one importer per NeMo model class::

    from neuraltypes_collections.common import NemoCheckpoint, register_nemo_importer

    @register_nemo_importer("nemo.collections.asr.models.ctc_models.EncDecCTCModel")
    def import_ctc(checkpoint: NemoCheckpoint) -> CTCModel:
        ...

``restore_from`` finds importers lazily: for a target ``nemo.collections.<name>.…`` it imports the
package ``neuraltypes_collections.<name>`` (which must import the module holding its importers), or the
module named in ``_LAZY_IMPORTERS`` for that target. Importing ``common`` imports no collection.
"""

from __future__ import annotations

import importlib
import importlib.util
import io
import os
import pickle
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import torch
import yaml
from torch import Tensor

from ._config import check_targets
from ._errors import ArchiveError, ConfigError, UnknownModelError
from ._safe_tar import SizeLimits, read_tar_members

if TYPE_CHECKING:
    from ._model import NeuralModel

__all__ = [
    "NemoCheckpoint",
    "read_nemo",
    "nemo_checkpoint_from_members",
    "register_nemo_importer",
    "nemo_importer",
    "known_nemo_targets",
    "NEMO_TARGET_PREFIXES",
]

CONFIG_MEMBER = "model_config.yaml"
WEIGHTS_MEMBER = "model_weights.ckpt"

#: ``_target_`` / ``target`` prefixes accepted in a NeMo config. The config is never instantiated; a
#: value outside these is refused because no genuine NeMo checkpoint contains one.
NEMO_TARGET_PREFIXES: tuple[str, ...] = (
    "nemo.collections.",
    "nemo.core.",
    "torch.nn.",
    "torch.optim.",
)


@dataclass(frozen=True)
class NemoCheckpoint:
    """The contents of a ``.nemo`` file, read into memory and checked.

    **Arguments:**

    - ``config``: ``model_config.yaml`` parsed with ``yaml.safe_load``.
    - ``state_dict``: ``model_weights.ckpt``, tensors by NeMo key (``encoder.encoder.0.mconv...``), on CPU.
    - ``artifacts``: every other file, by name without the ``./`` prefix
      (``"3f2a..._vocab.txt"``); use ``artifact()`` to resolve ``nemo:`` references from the config.
    - ``target``: the NeMo class path from the config's ``target`` key.
    - ``source``: the path the checkpoint was read from.
    """

    config: dict[str, Any]
    state_dict: dict[str, Tensor]
    artifacts: dict[str, bytes]
    target: str
    source: str = ""

    def artifact(self, reference: str) -> bytes:
        """Return the bytes of an artifact named in the config.

        **Arguments:**

        - ``reference``: a config value such as ``"nemo:3f2a..._vocab.txt"``, a member name, or (for old
          checkpoints) a bare file name that matches the end of exactly one member.

        Raises ``ArchiveError`` naming the reference and the available artifacts.
        """
        name = reference.removeprefix("nemo:").removeprefix("./")
        if name in self.artifacts:
            return self.artifacts[name]
        base = os.path.basename(name)
        matches = [key for key in self.artifacts if key == base or key.endswith("_" + base)]
        if len(matches) == 1:
            return self.artifacts[matches[0]]
        available = ", ".join(sorted(self.artifacts)) or "none"
        raise ArchiveError(
            self.source or "<nemo checkpoint>",
            f"the config refers to artifact {reference!r}, which the archive does not hold "
            f"unambiguously (artifacts: {available})",
        )


def _nemo_target_allowed(target: str) -> bool:
    return target.startswith(NEMO_TARGET_PREFIXES)


def nemo_checkpoint_from_members(archive: str, members: Mapping[str, bytes]) -> NemoCheckpoint:
    """Build a ``NemoCheckpoint`` from members already read by the safe tar reader.

    **Arguments:**

    - ``archive``: the file name, for messages.
    - ``members``: normalised member names to bytes.
    """
    config_name = _find_member(members, CONFIG_MEMBER)
    weights_name = _find_member(members, WEIGHTS_MEMBER)
    if config_name is None or weights_name is None:
        lacking = CONFIG_MEMBER if config_name is None else WEIGHTS_MEMBER
        raise ArchiveError(
            archive,
            f"not a .nemo checkpoint: no {lacking} member (members: {', '.join(sorted(members)) or 'none'});"
            " model-parallel or distributed checkpoints are not supported",
        )
    try:
        config = yaml.safe_load(members[config_name])
    except yaml.YAMLError as error:
        raise ArchiveError(archive, f"not valid YAML ({error})", member=config_name) from None
    if not isinstance(config, dict):
        raise ArchiveError(archive, f"expected a mapping, got {type(config).__name__}", member=config_name)
    target = config.get("target")
    if not isinstance(target, str):
        raise ArchiveError(
            archive,
            "has no 'target' key naming the NeMo model class (very old cls/params configs are not supported)",
            member=config_name,
        )
    try:
        check_targets(config, allowed=_nemo_target_allowed, where=f"{archive}: {config_name}")
    except ConfigError as error:
        raise ArchiveError(archive, str(error).split(": ", 1)[-1], member=config_name) from None
    if not _nemo_target_allowed(target):
        raise ArchiveError(
            archive, f"target {target!r} is not a NeMo class; refusing the checkpoint", member=config_name
        )
    state_dict = _load_weights(archive, weights_name, members[weights_name])
    artifacts = {name: data for name, data in members.items() if name not in (config_name, weights_name)}
    return NemoCheckpoint(
        config=config, state_dict=state_dict, artifacts=artifacts, target=target, source=archive
    )


def _find_member(members: Mapping[str, bytes], basename: str) -> str | None:
    if basename in members:
        return basename
    return None


def _load_weights(archive: str, member: str, data: bytes) -> dict[str, Tensor]:
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Detected pickle protocol")
            loaded = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ArchiveError(
            archive,
            "holds a pickle payload that is not plain tensors; torch.load(weights_only=True) refused it and "
            f"nothing was executed ({first_line})",
            member=member,
        ) from None
    except (RuntimeError, EOFError, ValueError, OSError) as error:
        raise ArchiveError(
            archive, f"cannot be read as a torch state dict ({error})", member=member
        ) from None
    if not isinstance(loaded, Mapping):
        raise ArchiveError(archive, f"expected a state dict, found {type(loaded).__name__}", member=member)
    bad = [
        str(key) for key, value in loaded.items() if not (isinstance(key, str) and isinstance(value, Tensor))
    ]
    if bad:
        raise ArchiveError(
            archive,
            f"holds non-tensor entries ({', '.join(bad[:10])}); expected a plain state dict",
            member=member,
        )
    return dict(loaded)


def read_nemo(path: str | os.PathLike[str], *, limits: SizeLimits | None = None) -> NemoCheckpoint:
    """Read a ``.nemo`` checkpoint into memory, safely.

    **Arguments:**

    - ``path``: a ``.nemo`` file (tar or tar.gz).
    - ``limits``: size caps for members (``SizeLimits()`` by default).

    **Returns:** a ``NemoCheckpoint``. Raises ``ArchiveError`` for unsafe members (absolute paths, ``..``,
    links, devices, oversized members), a truncated file, a pickle payload that is not plain tensors, or
    a config ``_target_`` outside ``NEMO_TARGET_PREFIXES``.

    **Example:**

    ```python
    ckpt = read_nemo("quartznet.nemo")
    ckpt.target            # 'nemo.collections.asr.models.ctc_models.EncDecCTCModel'
    ckpt.config["sample_rate"], len(ckpt.state_dict)
    ```
    """
    archive = os.fspath(path)
    return nemo_checkpoint_from_members(archive, read_tar_members(archive, limits=limits))


# ------------------------------------------------------------------------------------------- importers

M = TypeVar("M", bound="NeuralModel")
Importer = Callable[[NemoCheckpoint], "NeuralModel"]

_IMPORTERS: dict[str, Importer] = {}

#: NeMo target -> "module:function" for importers living outside the module that the target's
#: collection package imports. Loaded on demand.
_LAZY_IMPORTERS: dict[str, str] = {}


def register_nemo_importer(
    *targets: str,
) -> Callable[[Callable[[NemoCheckpoint], M]], Callable[[NemoCheckpoint], M]]:
    """Register a function that turns a ``NemoCheckpoint`` of the given NeMo class(es) into our model.

    **Arguments:**

    - ``targets``: NeMo class paths as written in ``model_config.yaml``'s ``target`` key (several when a
      class moved between NeMo versions).

    **Returns:** a decorator that registers the function and returns it unchanged.
    """
    if not targets:
        raise ConfigError("register_nemo_importer needs at least one NeMo target string")

    def decorator(function: Callable[[NemoCheckpoint], M]) -> Callable[[NemoCheckpoint], M]:
        for target in targets:
            existing = _IMPORTERS.get(target)
            if (
                existing is not None
                and existing is not function
                and (existing.__module__, existing.__qualname__)
                != (function.__module__, function.__qualname__)
            ):
                raise ConfigError(
                    f"a NeMo importer for {target!r} is already registered: "
                    f"{existing.__module__}.{existing.__qualname__}"
                )
            _IMPORTERS[target] = function
        return function

    return decorator


def _collection_package(target: str) -> str | None:
    parts = target.split(".")
    if len(parts) > 2 and parts[0] == "nemo" and parts[1] == "collections" and parts[2].isidentifier():
        return f"neuraltypes_collections.{parts[2]}"
    return None


def nemo_importer(target: str) -> Importer:
    """Return the importer registered for a NeMo target, importing its collection on demand.

    Raises ``UnknownModelError`` listing the NeMo classes that can be imported.
    """
    if target not in _IMPORTERS and target in _LAZY_IMPORTERS:
        module_name, _, function_name = _LAZY_IMPORTERS[target].partition(":")
        function = getattr(importlib.import_module(module_name), function_name)
        _IMPORTERS.setdefault(target, function)
    if target not in _IMPORTERS:
        package = _collection_package(target)
        if package is not None and importlib.util.find_spec(package) is not None:
            importlib.import_module(package)
    if target in _IMPORTERS:
        return _IMPORTERS[target]
    raise UnknownModelError(
        f"no importer for the NeMo architecture {target!r}; "
        f"known architectures: {', '.join(known_nemo_targets()) or 'none'}"
    )


def known_nemo_targets() -> list[str]:
    """The NeMo class paths that ``restore_from`` can import, loading every collection to list them."""
    for package in ("asr", "tts", "nlp"):
        name = f"neuraltypes_collections.{package}"
        try:
            if importlib.util.find_spec(name) is not None:
                importlib.import_module(name)
        except ImportError:  # a collection with missing optional dependencies lists nothing
            continue
    return sorted(set(_IMPORTERS) | set(_LAZY_IMPORTERS))
