"""Errors raised by the model layer: archives, configs, weights, the model registry.

*Data errors* (a file or a checkpoint is not what it should be) are ``ValueError`` subclasses; *lookup
errors* (a name that nothing is registered under) are ``LookupError`` subclasses. All of them are
``neuraltypes.NeuralTypesError`` subclasses with a stable code (``NT3xx``, one per class, listed in
``docs/models.md``). Every message names the file and the member or key involved and ends with a hint.
"""

from __future__ import annotations

from typing import Any, ClassVar

from neuraltypes import NeuralTypesError

__all__ = [
    "ArchiveError",
    "AudioError",
    "ConfigError",
    "InputError",
    "ManifestError",
    "ModelNotAvailableError",
    "NemoImportError",
    "UnknownModelError",
    "WeightsMismatchError",
]


class ArchiveError(NeuralTypesError, ValueError):
    """A model archive (``.nemo`` or a neuraltypes archive) is corrupted, truncated or hostile.

    **Attributes:**

    - ``archive``: the path of the archive.
    - ``member``: the offending member name, or ``None`` when the archive as a whole is at fault.
    """

    code: ClassVar[str] = "NT301"  # type: ignore[misc]

    def __init__(self, archive: str, message: str, *, member: str | None = None) -> None:
        self.archive = str(archive)
        self.member = member
        where = f"{self.archive}" if member is None else f"{self.archive}: member {member!r}"
        super().__init__(f"{where}: {message}", code=self.code)
        self._message = message

    def __reduce__(self) -> tuple[Any, ...]:  # picklable across DataLoader workers and DDP ranks
        return (_rebuild_archive_error, (type(self), self.archive, self._message, self.member))


def _rebuild_archive_error(
    cls: type[ArchiveError], archive: str, message: str, member: str | None
) -> ArchiveError:
    return cls(archive, message, member=member)


class ConfigError(NeuralTypesError, ValueError):
    """A config (a YAML file or a mapping) does not match its dataclass, or names a forbidden ``_target_``."""

    code: ClassVar[str] = "NT302"  # type: ignore[misc]

    def __init__(self, message: str) -> None:
        super().__init__(message, code=self.code)


class WeightsMismatchError(NeuralTypesError, ValueError):
    """A state dict does not fit a module: missing or unexpected keys, or shape mismatches.

    **Attributes:**

    - ``missing``: keys the module expects and the state dict lacks.
    - ``unexpected``: keys in the state dict the module does not have.
    - ``mismatched``: ``(key, expected_shape, found_shape)`` triples.
    """

    code: ClassVar[str] = "NT303"  # type: ignore[misc]

    def __init__(
        self,
        source: str,
        *,
        missing: list[str],
        unexpected: list[str],
        mismatched: list[tuple[str, tuple[int, ...], tuple[int, ...]]],
    ) -> None:
        self.source = source
        self.missing = missing
        self.unexpected = unexpected
        self.mismatched = mismatched
        lines = [f"weights from {source} do not fit the model:"]
        if missing:
            lines.append(
                f"  missing keys ({len(missing)}): {', '.join(missing[:20])}"
                + (" ..." if len(missing) > 20 else "")
            )
        if unexpected:
            lines.append(
                f"  unexpected keys ({len(unexpected)}): {', '.join(unexpected[:20])}"
                + (" ..." if len(unexpected) > 20 else "")
            )
        for key, expected, found in mismatched[:20]:
            lines.append(
                f"  shape mismatch for {key!r}: model expects {list(expected)}, checkpoint has {list(found)}"
            )
        lines.append("  hint: check that the config matches the checkpoint (sizes, number of layers).")
        super().__init__("\n".join(lines), code=self.code)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_weights_error, (self.source, self.missing, self.unexpected, self.mismatched))


def _rebuild_weights_error(
    source: str,
    missing: list[str],
    unexpected: list[str],
    mismatched: list[tuple[str, tuple[int, ...], tuple[int, ...]]],
) -> WeightsMismatchError:
    return WeightsMismatchError(source, missing=missing, unexpected=unexpected, mismatched=mismatched)


class UnknownModelError(NeuralTypesError, LookupError):
    """No model class, NeMo importer or pretrained entry is registered under a name."""

    code: ClassVar[str] = "NT304"  # type: ignore[misc]

    def __init__(self, message: str) -> None:
        super().__init__(message, code=self.code)


class ModelNotAvailableError(NeuralTypesError, RuntimeError):
    """A pretrained model file is not on disk and cannot be fetched (offline, or the download failed).

    The message is one line: which file is needed and how to supply it.
    """

    code: ClassVar[str] = "NT305"  # type: ignore[misc]

    def __init__(self, message: str) -> None:
        super().__init__(message, code=self.code)


class _InputProblem(NeuralTypesError, ValueError):
    """An error about one input; the message starts with the input's name (a path, ``inputs[3]``, ...)."""

    code: ClassVar[str] = "NT300"  # type: ignore[misc]

    def __init__(self, message: str, *, source: str | None = None) -> None:
        self.source = source
        super().__init__(message, code=self.code)
        self._message = message

    def __reduce__(self) -> tuple[Any, ...]:  # picklable across DataLoader workers
        return (_rebuild_input_problem, (type(self), self._message, self.source))


def _rebuild_input_problem(cls: type[_InputProblem], message: str, source: str | None) -> _InputProblem:
    return cls(message, source=source)


class AudioError(_InputProblem):
    """Audio that cannot be used: missing, unreadable, empty, non-finite, or of an unusable shape or dtype.

    **Attributes:**

    - ``source``: the file path, or ``inputs[i]`` for an in-memory clip (``None`` when not known).
    """

    code: ClassVar[str] = "NT306"  # type: ignore[misc]


class ManifestError(_InputProblem):
    """A JSON-lines manifest line is malformed, misses a key, or names a file that does not exist."""

    code: ClassVar[str] = "NT307"  # type: ignore[misc]


class NemoImportError(_InputProblem):
    """A ``.nemo`` checkpoint uses an option or architecture that the importer does not support."""

    code: ClassVar[str] = "NT308"  # type: ignore[misc]


class InputError(_InputProblem):
    """An argument of an inference verb is unusable: empty text, an unknown label, a bad option value.

    The message names the function and the parameter (``transcribe: batch_size must be >= 1, got 0``).
    """

    code: ClassVar[str] = "NT309"  # type: ignore[misc]
