"""Errors raised by the model layer: archives, configs, weights, the model registry.

Two families, as in the core: *data errors* (a file or a checkpoint is not what it should be) are
``ValueError`` subclasses; *lookup errors* (a name that nothing is registered under) are ``LookupError``
subclasses. Every message names the file and the member or key involved and ends with a hint.
"""

from __future__ import annotations

__all__ = [
    "ArchiveError",
    "ConfigError",
    "WeightsMismatchError",
    "UnknownModelError",
    "ModelNotAvailableError",
]


class ArchiveError(ValueError):
    """A model archive (``.nemo`` or a neuraltypes archive) is corrupted, truncated or hostile.

    **Attributes**

    - ``archive``: the path of the archive.
    - ``member``: the offending member name, or ``None`` when the archive as a whole is at fault.
    """

    def __init__(self, archive: str, message: str, *, member: str | None = None) -> None:
        self.archive = str(archive)
        self.member = member
        where = f"{self.archive}" if member is None else f"{self.archive}: member {member!r}"
        super().__init__(f"{where}: {message}")


class ConfigError(ValueError):
    """A config (a YAML file or a mapping) does not match its dataclass, or names a forbidden ``_target_``."""


class WeightsMismatchError(ValueError):
    """A state dict does not fit a module: missing or unexpected keys, or shape mismatches.

    **Attributes**

    - ``missing``: keys the module expects and the state dict lacks.
    - ``unexpected``: keys in the state dict the module does not have.
    - ``mismatched``: ``(key, expected_shape, found_shape)`` triples.
    """

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
        super().__init__("\n".join(lines))


class UnknownModelError(LookupError):
    """No model class, NeMo importer or pretrained entry is registered under a name."""


class ModelNotAvailableError(RuntimeError):
    """A pretrained model file is not on disk and cannot be fetched (offline, or the download failed).

    The message is one line: which file is needed and how to supply it.
    """
