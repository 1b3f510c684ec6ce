"""The pretrained-model registry: index files of named archives, a local cache, offline first.

An index is a JSON file holding a list of entries (or ``{"models": [...]}``)::

    [{"name": "quartznet5x1-small",
      "description": "QuartzNet 5x1, char vocabulary, 16 kHz",
      "location": "https://models.example.com/quartznet5x1_small.nta",
      "sha256": "9f2c...",
      "class": "asr.ctc"}]

``location`` is a local path (relative paths are relative to the index file), a ``file://`` URL or an
``https://`` URL. Local files are used in place; remote ones are cached in
``$NEURALTYPES_CACHE`` (default ``$XDG_CACHE_HOME/neuraltypes``, else ``~/.cache/neuraltypes``) under
``<sha256>/<file name>``. When the cached file is there the network is never touched. When it is not,
one download is attempted (none when ``NEURALTYPES_OFFLINE=1``); if it fails, ``ModelNotAvailableError``
says in one line which file is needed and where to put it.

Indexes are read from, in order: entries registered in code by the collections
(``register_pretrained``), the files in ``$NEURALTYPES_REGISTRY`` (separated by ``os.pathsep``), and the
``index`` argument.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._errors import ArchiveError, ConfigError, ModelNotAvailableError, UnknownModelError

if TYPE_CHECKING:
    import torch

    from ._model import NeuralModel

__all__ = [
    "PretrainedBuilder",
    "PretrainedEntry",
    "list_pretrained_builders",
    "register_pretrained",
    "register_pretrained_builder",
    "list_available_models",
    "from_pretrained",
    "pretrained_file",
    "cache_dir",
    "load_index",
]

CACHE_ENV = "NEURALTYPES_CACHE"
REGISTRY_ENV = "NEURALTYPES_REGISTRY"
OFFLINE_ENV = "NEURALTYPES_OFFLINE"
DOWNLOAD_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class PretrainedEntry:
    """One pretrained model.

    **Arguments:**

    - ``name``: the name passed to ``from_pretrained``.
    - ``description``: one line for listings.
    - ``location``: a local path, a ``file://`` URL or an ``https://`` URL of the archive (a neuraltypes
      archive or a ``.nemo`` file).
    - ``sha256``: the archive's SHA-256, lowercase hex; checked before the file is used.
    - ``cls``: the registered model name the archive restores to (``"class"`` in index files).
    """

    name: str
    description: str
    location: str
    sha256: str
    cls: str

    def __post_init__(self) -> None:
        if not self.name or any(c in self.name for c in "/\\:") or self.name.startswith("."):
            raise ConfigError(
                f"pretrained entry name {self.name!r} must be non-empty, without '/', '\\', ':' or a leading '.'"
            )
        digest = self.sha256.lower()
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise ConfigError(
                f"pretrained entry {self.name!r}: sha256 must be 64 hex digits, got {self.sha256!r}"
            )
        scheme = urllib.parse.urlsplit(self.location).scheme
        if scheme not in ("", "file", "https") and not (len(scheme) == 1 and os.name == "nt"):
            raise ConfigError(
                f"pretrained entry {self.name!r}: location {self.location!r} must be a path, file:// or https:// URL"
            )
        object.__setattr__(self, "sha256", digest)

    @property
    def file_name(self) -> str:
        """The archive's file name (the last component of ``location``)."""
        name = os.path.basename(urllib.parse.urlsplit(self.location).path)
        return name if name not in ("", ".", "..") else f"{self.name}.nta"


_REGISTERED: dict[str, PretrainedEntry] = {}


def register_pretrained(entry: PretrainedEntry) -> None:
    """Add an entry to the built-in registry (collections call this when imported)."""
    existing = _REGISTERED.get(entry.name)
    if existing is not None and existing != entry:
        raise ConfigError(f"pretrained model {entry.name!r} is already registered with a different entry")
    _REGISTERED[entry.name] = entry


#: name -> function that builds the model from weights an installed package ships (no archive, no download).
_BUILDERS: dict[str, Callable[[], NeuralModel]] = {}


def register_pretrained_builder(name: str, build: Callable[[], NeuralModel]) -> None:
    """Make `from_pretrained(name)` call `build()`: a model built from an installed package's weights.

    `build` raises `ModelNotAvailableError` naming the extra to install when the package is missing. Index entries
    of the same name take precedence.
    """
    existing = _BUILDERS.get(name)
    if existing is not None and existing is not build:
        raise ConfigError(f"pretrained model {name!r} already has a builder")
    _BUILDERS[name] = build


@dataclass(frozen=True)
class PretrainedBuilder:
    """A pretrained model built from an installed package's weights (`register_pretrained_builder`).

    **Arguments:**

    - ``name``: the name passed to ``from_pretrained``.
    - ``description``: one line for listings (the first paragraph of the builder's docstring).
    """

    name: str
    description: str


def list_pretrained_builders() -> list[PretrainedBuilder]:
    """The models the collections build from installed packages (``whisper_tiny_en``, ...), sorted by name; a
    listed model whose package is missing raises ``ModelNotAvailableError`` naming the extra when loaded."""
    _import_collections()
    return [
        PretrainedBuilder(name, " ".join((_BUILDERS[name].__doc__ or "").strip().split("\n\n")[0].split()))
        for name in sorted(_BUILDERS)
    ]


def load_index(path: str | os.PathLike[str]) -> list[PretrainedEntry]:
    """Read an index file (JSON list of entries, or ``{"models": [...]}``); relative locations are resolved."""
    index = Path(
        urllib.parse.urlsplit(os.fspath(path)).path if os.fspath(path).startswith("file://") else path
    )
    try:
        data = json.loads(index.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"registry index {index} does not exist (set {REGISTRY_ENV} or pass index=)"
        ) from None
    except ValueError as error:
        raise ConfigError(f"registry index {index}: not valid JSON ({error})") from None
    items = data.get("models") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ConfigError(f"registry index {index}: expected a list of entries or {{'models': [...]}}")
    entries = []
    for number, item in enumerate(items):
        if not isinstance(item, dict):
            raise ConfigError(f"registry index {index}: entry {number} is not an object")
        required = ("name", "description", "location", "sha256", "class")
        lacking = [key for key in required if key not in item]
        unknown = sorted(set(item) - set(required))
        if lacking or unknown:
            raise ConfigError(
                f"registry index {index}: entry {number} ({item.get('name', '?')!r}) "
                + (f"lacks {', '.join(lacking)}" if lacking else f"has unknown keys {', '.join(unknown)}")
                + f"; entries have exactly {', '.join(required)}"
            )
        location = str(item["location"])
        if urllib.parse.urlsplit(location).scheme == "" and not os.path.isabs(location):
            location = str(index.parent / location)
        entries.append(
            PretrainedEntry(
                name=str(item["name"]),
                description=str(item["description"]),
                location=location,
                sha256=str(item["sha256"]),
                cls=str(item["class"]),
            )
        )
    return entries


def register_index(path: Path) -> None:
    """Register every entry of the index file `path` (a collection's shipped models); no-op if it is absent."""
    if path.is_file():
        for entry in load_index(path):
            register_pretrained(entry)


def _import_collections() -> None:
    for package in ("asr", "tts", "nlp"):
        name = f"neuraltypes_collections.{package}"
        try:
            if importlib.util.find_spec(name) is not None:
                importlib.import_module(name)
        except ImportError:
            continue


def _entries(
    index: str | os.PathLike[str] | Iterable[str | os.PathLike[str]] | None,
) -> dict[str, PretrainedEntry]:
    entries = dict(_REGISTERED)
    paths: list[str | os.PathLike[str]] = [p for p in os.environ.get(REGISTRY_ENV, "").split(os.pathsep) if p]
    if index is not None:
        paths.extend([index] if isinstance(index, (str, os.PathLike)) else list(index))
    for path in paths:
        for entry in load_index(path):
            entries[entry.name] = entry
    return entries


def list_available_models(
    index: str | os.PathLike[str] | Iterable[str | os.PathLike[str]] | None = None,
) -> list[PretrainedEntry]:
    """All known pretrained models: registered by the collections, then ``$NEURALTYPES_REGISTRY``, then ``index``.

    **Arguments:**

    - ``index``: one index file or several; later entries override earlier ones of the same name.

    **Returns:** the entries, sorted by name.
    """
    _import_collections()
    return sorted(_entries(index).values(), key=lambda entry: entry.name)


def cache_dir() -> Path:
    """The download cache: ``$NEURALTYPES_CACHE``, else ``$XDG_CACHE_HOME/neuraltypes``, else ``~/.cache/neuraltypes``."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "neuraltypes"


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _checked(entry: PretrainedEntry, path: Path) -> Path:
    found = _sha256_of(path)
    if found != entry.sha256:
        raise ArchiveError(
            str(path),
            f"sha256 is {found}, the registry entry {entry.name!r} expects {entry.sha256}; "
            "the file is corrupted or not the one the entry names (delete it to download again)",
        )
    return path


def _offline() -> bool:
    return os.environ.get(OFFLINE_ENV, "").lower() in ("1", "true", "yes") or os.environ.get(
        "HF_HUB_OFFLINE", ""
    ).lower() in ("1", "true", "yes")


def _download(url: str, destination: Path) -> None:
    """One attempt, no retries: stream ``url`` into a temporary file next to ``destination``, then rename."""
    from ._archive import atomic_output

    destination.parent.mkdir(parents=True, exist_ok=True)
    with (
        atomic_output(destination, suffix=".part", durable=False) as file,
        urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response,
    ):
        for block in iter(lambda: response.read(1 << 20), b""):
            file.write(block)


def pretrained_file(entry: PretrainedEntry) -> Path:
    """Return a local, checksum-verified path to the entry's archive, downloading it at most once.

    Raises ``ModelNotAvailableError`` (a one-line message) when the file is absent and cannot be
    fetched, and ``ArchiveError`` when the file's SHA-256 differs from the entry's.
    """
    parts = urllib.parse.urlsplit(entry.location)
    if parts.scheme in ("", "file") or (len(parts.scheme) == 1 and os.name == "nt"):
        path = Path(urllib.request.url2pathname(parts.path) if parts.scheme == "file" else entry.location)
        if not path.is_file():
            raise ModelNotAvailableError(
                f"pretrained model {entry.name!r} needs the file {path}, which does not exist; "
                "copy the archive there or fix the registry entry's location"
            )
        return _checked(entry, path)
    cached = cache_dir() / entry.sha256 / entry.file_name
    if cached.is_file():
        return _checked(entry, cached)
    hint = f"download {entry.location} elsewhere and copy it to {cached} (or set {CACHE_ENV})"
    if _offline():
        raise ModelNotAvailableError(
            f"pretrained model {entry.name!r} is not in the cache and {OFFLINE_ENV} is set; {hint}"
        )
    try:
        _download(entry.location, cached)
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", None) or error
        raise ModelNotAvailableError(
            f"pretrained model {entry.name!r} is not in the cache and cannot be downloaded ({reason}); {hint}"
        ) from None
    try:
        return _checked(entry, cached)
    except ArchiveError:
        cached.unlink(missing_ok=True)
        raise


def from_pretrained(
    name: str,
    *,
    map_location: str | torch.device | None = None,
    index: str | os.PathLike[str] | Iterable[str | os.PathLike[str]] | None = None,
) -> NeuralModel:
    """Load a pretrained model by name.

    **Arguments:**

    - ``name``: an entry name from ``list_available_models()``.
    - ``map_location``: device for the model.
    - ``index``: extra index file(s) to search.

    **Returns:** the restored model (eval mode). Raises ``UnknownModelError`` for an unknown name (listing
    the known ones), ``ModelNotAvailableError`` when the file is absent offline.

    **Example:**

    ```python
    model = from_pretrained("quartznet5x1-small", index="models/index.json")
    ```
    """
    from ._archive import restore_from
    from ._model import model_class

    entries = _entries(index)  # index files first: the collections are imported only if the name is not there
    if name not in entries and name not in _BUILDERS:
        _import_collections()
        entries = _entries(index)
    entry = entries.get(name)
    if entry is None and name in _BUILDERS:
        built = _BUILDERS[name]()
        return built.to(map_location).eval() if map_location is not None else built.eval()
    if entry is None:
        raise UnknownModelError(
            f"no pretrained model named {name!r}; available: {', '.join(sorted(set(entries) | set(_BUILDERS))) or 'none'} "
            f"(hint: point {REGISTRY_ENV} at an index file)"
        )
    model = restore_from(pretrained_file(entry), map_location=map_location)
    expected = model_class(entry.cls)
    if not isinstance(model, expected):
        raise ConfigError(
            f"pretrained model {name!r}: the registry says class {entry.cls!r}, the archive holds "
            f"{type(model).__name__} ({type(model).model_name!r})"
        )
    return model


def model_from_reference(
    reference: str | os.PathLike[str],
    *,
    map_location: str | torch.device | None = None,
    index: str | os.PathLike[str] | Iterable[str | os.PathLike[str]] | None = None,
) -> NeuralModel:
    """Load the model a verb or a command line names: a file path (or any name ending in ``.nta``/``.nemo``,
    so that a mistyped path says "no such file") is restored from that file; anything else is a pretrained name.

    Every verb's ``model`` argument and every command's ``--model`` share this rule.
    """
    from ._archive import restore_from

    text = os.fspath(reference)
    if os.path.isfile(text) or text.endswith((".nta", ".nemo")):
        return restore_from(text, map_location=map_location)
    return from_pretrained(text, map_location=map_location, index=index)


def _entry_as_json(entry: PretrainedEntry) -> dict[str, Any]:
    return {
        "name": entry.name,
        "description": entry.description,
        "location": entry.location,
        "sha256": entry.sha256,
        "class": entry.cls,
    }
