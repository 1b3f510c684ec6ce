"""The neuraltypes archive: one tar file holding config, weights, contract, artifacts and checksums.

Layout (an uncompressed tar; members in this order)::

    neuraltypes.json        manifest: format, version, registered model name, SHA-256 and size of each member
    config.yaml             the model's frozen dataclass config (yaml.safe_dump)
    contract.json           neuraltypes.contract_of(model): typed inputs and outputs of its public methods
    weights.safetensors     the state dict (safetensors; never pickle)
    artifacts/<name>        files the model carries (tokenizer model, vocabulary, ...)

Reading checks every member (see ``_safe_tar``), every checksum, and refuses members the manifest does
not list. The model class is found by its registered name; nothing named in the file is imported.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import struct
import tarfile
import tempfile
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, BinaryIO

import torch
from torch import Tensor

from ._config import config_from_yaml, config_to_yaml
from ._errors import ArchiveError, ConfigError, InputError, NemoImportError
from ._nemo import CONFIG_MEMBER as NEMO_CONFIG
from ._nemo import nemo_checkpoint_from_members, nemo_importer
from ._safe_tar import SizeLimits, read_tar_members
from ._weights import load_state_dict_checked

if TYPE_CHECKING:
    from ._model import NeuralModel

__all__ = ["save_archive", "restore_from", "inspect_archive", "ArchiveInfo", "ContractDriftWarning"]

FORMAT = "neuraltypes.archive"
FORMAT_VERSION = 1
MANIFEST = "neuraltypes.json"
CONFIG = "config.yaml"
CONTRACT = "contract.json"
WEIGHTS = "weights.safetensors"
ARTIFACTS = "artifacts/"


class ContractDriftWarning(UserWarning):
    """The contract stored in an archive differs from the one the installed code derives."""


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _contract(model: torch.nn.Module) -> Any:
    from neuraltypes import contract_of

    return json.loads(json.dumps(contract_of(model), sort_keys=True))


def _weights_bytes(model: torch.nn.Module) -> bytes:
    from safetensors.torch import save

    tensors: dict[str, Tensor] = {}
    seen: set[int] = set()
    for key, value in model.state_dict().items():
        tensor = value.detach().to("cpu").contiguous()
        pointer = tensor.untyped_storage().data_ptr()
        if tensor.numel() and pointer in seen:  # tied weights: safetensors refuses shared storage
            tensor = tensor.clone()
        seen.add(tensor.untyped_storage().data_ptr())
        tensors[key] = tensor
    return save(tensors, metadata={"format": "pt"})


def _library_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    try:
        ours = version("neuraltypes")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        ours = "unknown"
    return {"neuraltypes": ours, "torch": torch.__version__.split("+")[0]}


def archive_members(model: NeuralModel) -> dict[str, bytes]:
    """Build the archive's members in memory: the manifest first, then config, contract, weights, artifacts."""
    if not model.model_name:
        raise ConfigError(
            f"{type(model).__name__} is not registered; decorate it with @register_model('collection.name') "
            "so that its archives can be restored"
        )
    payload: dict[str, bytes] = {
        CONFIG: config_to_yaml(model.config).encode(),
        CONTRACT: json.dumps(_contract(model), indent=1, sort_keys=True).encode(),
        WEIGHTS: _weights_bytes(model),
    }
    for name, data in sorted(model.artifacts.items()):
        payload[ARTIFACTS + name] = data
    manifest = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "model": model.model_name,
        "library": _library_versions(),
        "files": {name: {"sha256": _sha256(data), "size": len(data)} for name, data in payload.items()},
    }
    return {MANIFEST: json.dumps(manifest, indent=1).encode(), **payload}


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str], *, suffix: str = ".tmp", durable: bool = True) -> Iterator[BinaryIO]:
    """Write a file all at once or not at all: yield a binary file opened on a temporary file next to ``path``,
    rename it over ``path`` when the block ends, delete it when the block raises.

    **Arguments:**

    - ``path``: the destination; its directory must exist (else `InputError`, naming the folder).
    - ``suffix``: the temporary file's suffix (``.part`` for a download, ``.tmp`` otherwise).
    - ``durable``: flush the data and the directory entry to disk, and give the file mode 0o644 (the temporary
      file is created 0o600).
    """
    target = os.path.abspath(os.fspath(path))
    directory = os.path.dirname(target)
    if not os.path.isdir(directory):
        problem = "does not exist" if not os.path.exists(directory) else "is not a folder"
        raise InputError(f"{os.fspath(path)}: cannot write it: the folder {directory} {problem}", source=directory)
    if os.path.isdir(target):
        raise InputError(f"{os.fspath(path)}: cannot write it: it is a folder", source=target)
    handle, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=suffix, dir=directory)
    try:
        with os.fdopen(handle, "wb") as file:
            yield file
            if durable:
                file.flush()
                os.fsync(file.fileno())
        if durable:
            os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    if durable and hasattr(os, "O_DIRECTORY"):
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_tar_atomic(path: str | os.PathLike[str], members: Mapping[str, bytes]) -> None:
    """Write ``members`` as an uncompressed tar to ``path`` via a temporary file and ``os.replace``.

    **Arguments:**

    - ``path``: the destination; its directory must exist.
    - ``members``: member name -> bytes, written in order with fixed metadata (so equal inputs give
      byte-identical archives).
    """
    with (
        atomic_output(path) as file,
        tarfile.open(fileobj=file, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            info.mtime = 0
            tar.addfile(info, io.BytesIO(data))


def save_archive(model: NeuralModel, path: str | os.PathLike[str]) -> None:
    """Write ``model`` to ``path`` as a neuraltypes archive, atomically (see ``NeuralModel.save_to``)."""
    write_tar_atomic(path, archive_members(model))


# ----------------------------------------------------------------------------------------------- reading


def _verified(archive: str, members: Mapping[str, bytes]) -> dict[str, Any]:
    try:
        manifest = json.loads(members[MANIFEST])
    except (ValueError, UnicodeDecodeError) as error:
        raise ArchiveError(archive, f"the manifest is not valid JSON ({error})", member=MANIFEST) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArchiveError(archive, f"the manifest does not declare format {FORMAT!r}", member=MANIFEST)
    version = manifest.get("version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ArchiveError(
            archive,
            f"archive format version {version!r} is newer than this library reads ({FORMAT_VERSION}); "
            "upgrade neuraltypes",
            member=MANIFEST,
        )
    files = manifest.get("files")
    if not isinstance(files, dict) or not isinstance(manifest.get("model"), str):
        raise ArchiveError(archive, "the manifest lacks 'model' or 'files'", member=MANIFEST)
    for name in (CONFIG, WEIGHTS):
        if name not in files:
            raise ArchiveError(archive, f"the manifest does not list {name}", member=MANIFEST)
    for name, entry in files.items():
        if name not in members:
            raise ArchiveError(
                archive, "is listed in the manifest but missing; the file is truncated?", member=name
            )
        data = members[name]
        if (
            not isinstance(entry, dict)
            or entry.get("size") != len(data)
            or entry.get("sha256") != _sha256(data)
        ):
            raise ArchiveError(
                archive,
                f"checksum mismatch: the manifest records sha256 {entry.get('sha256') if isinstance(entry, dict) else entry!r}, "
                f"the member has {_sha256(data)}; the archive is corrupted or was modified",
                member=name,
            )
    extra = sorted(set(members) - set(files) - {MANIFEST})
    if extra:
        raise ArchiveError(archive, "is not listed in the manifest; refusing the archive", member=extra[0])
    return manifest


def _load_safetensors(archive: str, data: bytes) -> dict[str, Tensor]:
    from safetensors import SafetensorError
    from safetensors.torch import load

    try:
        return load(data)
    except (SafetensorError, ValueError, RuntimeError) as error:
        raise ArchiveError(archive, f"not a valid safetensors file ({error})", member=WEIGHTS) from None


def restore_from(
    path: str | os.PathLike[str],
    map_location: str | torch.device | None = None,
    *,
    limits: SizeLimits | None = None,
) -> NeuralModel:
    """Load a model from a neuraltypes archive or a NeMo ``.nemo`` checkpoint.

    **Arguments:**

    - ``path``: the file. Its kind is recognised from its members, not from its suffix.
    - ``map_location``: device for the model (CPU when ``None``).
    - ``limits``: size caps for archive members.

    **Returns:** the model, in eval mode. Raises ``ArchiveError`` for a corrupted or hostile file,
    ``UnknownModelError`` for an unregistered model name or NeMo architecture, ``ConfigError`` for a
    config that does not match the model's dataclass, ``WeightsMismatchError`` for weights that do not fit.

    **Example:**

    ```python
    model = restore_from("quartznet.nemo")        # NeMo checkpoint, through its importer
    model.save_to("quartznet.nta")
    same = restore_from("quartznet.nta", map_location="cpu")
    ```
    """
    from ._model import model_class

    archive = os.fspath(path)
    members = read_tar_members(archive, limits=limits)
    if MANIFEST in members:
        manifest = _verified(archive, members)
        cls = model_class(manifest["model"])
        config = config_from_yaml(cls.Config, members[CONFIG], where=f"{archive}: {CONFIG}")
        artifacts = {
            name[len(ARTIFACTS) :]: data for name, data in members.items() if name.startswith(ARTIFACTS)
        }
        model = cls.from_config(config, artifacts)
        load_state_dict_checked(model, _load_safetensors(archive, members[WEIGHTS]), source=archive)
        if CONTRACT in members:
            _compare_contract(archive, model, members[CONTRACT])
    elif NEMO_CONFIG in members:
        checkpoint = nemo_checkpoint_from_members(archive, members)
        try:
            model = nemo_importer(checkpoint.target)(checkpoint)
        except KeyError as error:  # every importer reads required config keys: one missing is the file's fault
            raise NemoImportError(
                f"{archive}: the config has no {error.args[0]!r} key, which the {checkpoint.target} importer needs",
                source=archive,
            ) from None
    else:
        raise ArchiveError(
            archive,
            f"neither a neuraltypes archive (no {MANIFEST}) nor a .nemo checkpoint (no {NEMO_CONFIG}); "
            f"members: {', '.join(sorted(members)[:10]) or 'none'}",
        )
    if map_location is not None:
        model.to(map_location)
    return model.eval()


def _compare_contract(archive: str, model: torch.nn.Module, stored_bytes: bytes) -> None:
    try:
        stored = json.loads(stored_bytes)
    except ValueError:
        raise ArchiveError(archive, "not valid JSON", member=CONTRACT) from None
    current = _contract(model)
    if stored is not None and current != stored:
        warnings.warn(
            f"{archive}: the stored contract differs from the one the installed "
            f"{type(model).__name__} derives; the model's code changed since the archive was written",
            ContractDriftWarning,
            stacklevel=3,
        )


# --------------------------------------------------------------------------------------------- inspecting


@dataclass(frozen=True)
class ArchiveInfo:
    """What an archive holds, read without building the model.

    **Arguments:**

    - ``path``: the file.
    - ``kind``: ``"neuraltypes"`` or ``"nemo"``.
    - ``model``: the registered model name, or the NeMo target class path.
    - ``config``: the config as plain data.
    - ``contract``: the stored contract (``None`` for NeMo files and archives written without the core).
    - ``weights``: key -> (dtype name, shape).
    - ``artifacts``: artifact name -> size in bytes.
    - ``library``: versions recorded at save time.
    """

    path: str
    kind: str
    model: str
    config: dict[str, Any]
    contract: Any
    weights: dict[str, tuple[str, tuple[int, ...]]]
    artifacts: dict[str, int]
    library: dict[str, str] = field(default_factory=dict)

    @property
    def parameter_count(self) -> int:
        """The number of scalars in all stored tensors."""
        total = 0
        for _, shape in self.weights.values():
            count = 1
            for size in shape:
                count *= size
            total += count
        return total


def _safetensors_header(archive: str, data: bytes) -> dict[str, tuple[str, tuple[int, ...]]]:
    if len(data) < 8:
        raise ArchiveError(archive, "too short for a safetensors file", member=WEIGHTS)
    (length,) = struct.unpack("<Q", data[:8])
    if length > len(data) - 8:
        raise ArchiveError(archive, "the safetensors header is longer than the file", member=WEIGHTS)
    try:
        header = json.loads(data[8 : 8 + length])
    except ValueError:
        raise ArchiveError(archive, "the safetensors header is not valid JSON", member=WEIGHTS) from None
    return {
        key: (str(entry["dtype"]), tuple(int(size) for size in entry["shape"]))
        for key, entry in header.items()
        if key != "__metadata__"
    }


def inspect_archive(path: str | os.PathLike[str], *, limits: SizeLimits | None = None) -> ArchiveInfo:
    """Read an archive's config, contract, weight shapes and artifacts without building the model.

    Checksums are verified; no model code is imported. For ``.nemo`` files the weights are read with
    ``torch.load(weights_only=True)`` to list their shapes.
    """
    import yaml

    archive = os.fspath(path)
    members = read_tar_members(archive, limits=limits)
    if MANIFEST in members:
        manifest = _verified(archive, members)
        config = yaml.safe_load(members[CONFIG]) or {}
        contract = json.loads(members[CONTRACT]) if CONTRACT in members else None
        return ArchiveInfo(
            path=archive,
            kind="neuraltypes",
            model=manifest["model"],
            config=config,
            contract=contract,
            weights=_safetensors_header(archive, members[WEIGHTS]),
            artifacts={
                name[len(ARTIFACTS) :]: len(data)
                for name, data in members.items()
                if name.startswith(ARTIFACTS)
            },
            library=dict(manifest.get("library") or {}),
        )
    if NEMO_CONFIG in members:
        checkpoint = nemo_checkpoint_from_members(archive, members)
        return ArchiveInfo(
            path=archive,
            kind="nemo",
            model=checkpoint.target,
            config=checkpoint.config,
            contract=None,
            weights={
                key: (str(value.dtype).removeprefix("torch."), tuple(value.shape))
                for key, value in checkpoint.state_dict.items()
            },
            artifacts={name: len(data) for name, data in checkpoint.artifacts.items()},
            library={"nemo": str(checkpoint.config.get("nemo_version", "unknown"))},
        )
    raise ArchiveError(archive, "neither a neuraltypes archive nor a .nemo checkpoint")
