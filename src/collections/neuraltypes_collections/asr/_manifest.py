"""NeMo-style JSON-lines manifests: one `{"audio_filepath", "duration", "text", "offset"?}` object per line."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..common._errors import ManifestError

__all__ = ["ManifestEntry", "ManifestError", "read_manifest"]


@dataclass(frozen=True)
class ManifestEntry:
    """One utterance.

    **Arguments:**

    - `audio_filepath`: absolute path (relative paths in the file are resolved against the manifest's folder).
    - `duration`: seconds to read from `offset` (`None`: to the end).
    - `text`: the transcript (`None` for inference-only manifests).
    - `offset`: seconds to skip at the start of the file.
    - `extra`: every other key of the line (e.g. `voice`), unchanged.
    - `line`: the 1-based line number, for messages.
    """

    audio_filepath: Path
    duration: float | None
    text: str | None
    offset: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)
    line: int = 0


def _number(value: Any, key: str, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ManifestError(
            f"{where}: {key!r} must be a non-negative number of seconds, got {value!r}", source=where
        )
    return float(value)


def read_manifest(
    path: str | os.PathLike[str], *, require_text: bool = True, check_files: bool = True
) -> list[ManifestEntry]:
    """Read a manifest, checking every line.

    **Arguments:**

    - `path`: the `.json`/`.jsonl` manifest; blank lines are skipped.
    - `require_text`: every line must have a string `text` (training and evaluation).
    - `check_files`: every `audio_filepath` must exist.

    **Returns:** the entries in file order. Raises `ManifestError` (``NT307``, `file:line: what is wrong`) for
    invalid JSON, a missing or mistyped key, a missing audio file, or a missing manifest.
    """
    manifest = Path(path)
    if not manifest.is_file():
        raise ManifestError(f"{manifest}: the manifest does not exist", source=str(manifest))
    entries = []
    with manifest.open(encoding="utf-8") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            where = f"{manifest}:{number}"
            try:
                item = json.loads(raw)
            except json.JSONDecodeError as error:
                message = f"{where}: invalid JSON ({error.msg} at column {error.colno})"
                raise ManifestError(message, source=where) from None
            if not isinstance(item, dict):
                message = f"{where}: expected a JSON object, got {type(item).__name__}"
                raise ManifestError(message, source=where)
            audio = item.pop("audio_filepath", None)
            if not isinstance(audio, str) or not audio:
                raise ManifestError(f"{where}: missing 'audio_filepath' (a path string)", source=where)
            text = item.pop("text", None)
            if text is not None and not isinstance(text, str):
                message = f"{where}: 'text' must be a string, got {type(text).__name__}"
                raise ManifestError(message, source=where)
            if require_text and text is None:
                raise ManifestError(
                    f"{where}: missing 'text' (hint: pass require_text=False for inference)", source=where
                )
            duration = item.pop("duration", None)
            offset = item.pop("offset", 0.0)
            audio_path = Path(audio).expanduser()
            if not audio_path.is_absolute():
                audio_path = manifest.parent / audio_path
            if check_files and not audio_path.is_file():
                raise ManifestError(f"{where}: audio file {str(audio_path)!r} does not exist", source=where)
            entries.append(
                ManifestEntry(
                    audio_filepath=audio_path,
                    duration=None if duration is None else _number(duration, "duration", where),
                    text=text,
                    offset=_number(offset if offset is not None else 0.0, "offset", where),
                    extra=item,
                    line=number,
                )
            )
    return entries
