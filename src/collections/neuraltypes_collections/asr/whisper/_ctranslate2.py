"""Read a CTranslate2 `model.bin` with numpy alone (`ctranslate2` itself is never imported).

The format, little-endian throughout (CTranslate2's `models.cc`, binary version 6):

- header: `u32 version` (6), `str spec` (e.g. ``"WhisperSpec"``), `u32 revision`, `u32 n_variables`;
- each variable: `str name`, `u8 rank`, `u32 dims[rank]`, `u8 dtype` (0 float32, 1 int8, 2 int16, 3 int32,
  4 float16, 5 bfloat16), `u32 nbytes`, then `nbytes` bytes of data;
- `u32 n_aliases`, then (alias, target) name pairs (a tied weight is stored once and aliased);
- a `str` is a `u16` length that counts a trailing NUL, the bytes, the NUL.

Quantized files store ``X/weight`` as int8 (or int16) with a float ``X/weight_scale`` per output row;
`dequantized` turns them back into floats (``w = q / scale[:, None]``).

Every length is checked against the bytes that remain before anything is read or allocated, so a truncated or
hostile file raises `ArchiveError` (``NT301``) naming the file, the variable and the offset, and an absurd size
never allocates memory.

A `model.bin` split into parts (``model.bin.part1``, ``.part2``, as some pip packages ship it) is read part by
part into one buffer: no joined copy is written, and memory holds the file's bytes once, as for a whole file.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from ...common._errors import ArchiveError

__all__ = ["CTranslate2Weights", "dequantized", "read_ctranslate2"]

SUPPORTED_VERSION = 6
MAX_RANK = 8
_DTYPES: dict[int, tuple[str, np.dtype[np.generic]]] = {
    0: ("float32", np.dtype("<f4")),
    1: ("int8", np.dtype("i1")),
    2: ("int16", np.dtype("<i2")),
    3: ("int32", np.dtype("<i4")),
    4: ("float16", np.dtype("<f2")),
    5: ("bfloat16", np.dtype("<u2")),  # numpy has no bfloat16: read the bits, view them in torch
}


@dataclass(frozen=True)
class CTranslate2Weights:
    """The contents of a CTranslate2 `model.bin`.

    **Attributes:**

    - `path`: the file it was read from.
    - `spec`: the model specification's name (``"WhisperSpec"``).
    - `revision`: the specification's revision.
    - `variables`: name -> tensor (in the stored dtype; aliases resolved to the same tensor).
    """

    path: str
    spec: str
    revision: int
    variables: dict[str, Tensor]


class _Cursor:
    """Reads little-endian values from `data`, refusing to read past its end."""

    def __init__(self, data: bytes | bytearray | memoryview, path: str) -> None:
        self.data = memoryview(data)
        self.path = path
        self.offset = 0

    def fail(self, message: str, member: str | None = None) -> ArchiveError:
        return ArchiveError(
            self.path, f"{message} (at byte {self.offset} of {len(self.data)})", member=member
        )

    def take(self, size: int, what: str, member: str | None = None) -> memoryview:
        if size > len(self.data) - self.offset:
            raise self.fail(
                f"truncated: {what} needs {size} bytes but {len(self.data) - self.offset} remain; "
                "hint: the file is incomplete, download or copy it again",
                member,
            )
        chunk = self.data[self.offset : self.offset + size]
        self.offset += size
        return chunk

    def u8(self, what: str, member: str | None = None) -> int:
        return int(self.take(1, what, member)[0])

    def u16(self, what: str, member: str | None = None) -> int:
        return int(struct.unpack("<H", self.take(2, what, member))[0])

    def u32(self, what: str, member: str | None = None) -> int:
        return int(struct.unpack("<I", self.take(4, what, member))[0])

    def string(self, what: str, member: str | None = None) -> str:
        size = self.u16(f"the length of {what}", member)
        raw = bytes(self.take(size, what, member))
        if size == 0 or raw[-1] != 0:
            raise self.fail(f"corrupt: {what} is not a NUL-terminated string", member)
        try:
            return raw[:-1].decode("utf-8")
        except UnicodeDecodeError:
            raise self.fail(f"corrupt: {what} is not UTF-8", member) from None


def _variable(cursor: _Cursor) -> tuple[str, Tensor]:
    name = cursor.string("a variable name")
    rank = cursor.u8("the rank", name)
    if rank > MAX_RANK:
        raise cursor.fail(f"corrupt: rank {rank} (at most {MAX_RANK})", name)
    dims = [cursor.u32("a dimension", name) for _ in range(rank)]
    code = cursor.u8("the dtype", name)
    if code not in _DTYPES:
        known = ", ".join(f"{key} {label}" for key, (label, _) in _DTYPES.items())
        raise cursor.fail(f"unsupported dtype code {code}; this reader knows {known}", name)
    label, dtype = _DTYPES[code]
    nbytes = cursor.u32("the byte count", name)
    count = int(np.prod(dims, dtype=np.int64)) if dims else 1
    if count * dtype.itemsize != nbytes:
        raise cursor.fail(
            f"corrupt: shape {dims} of {label} needs {count * dtype.itemsize} bytes, header says {nbytes}",
            name,
        )
    raw = cursor.take(nbytes, f"the data of shape {dims}", name)
    array = np.frombuffer(raw, dtype=dtype, count=count).reshape(tuple(dims)).copy()
    tensor = torch.from_numpy(array)
    return name, tensor.view(torch.bfloat16) if label == "bfloat16" else tensor


def _read_parts(files: list[Path]) -> bytearray:
    """The bytes of `files` one after the other, read into one buffer (no joined copy on disk)."""
    try:
        sizes = [file.stat().st_size for file in files]
        data = bytearray(sum(sizes))
        view, offset = memoryview(data), 0
        for file, size in zip(files, sizes, strict=True):
            with file.open("rb") as stream:
                got = stream.readinto(view[offset : offset + size])
            if got != size:
                raise ArchiveError(str(file), f"changed while read ({got} of {size} bytes)")
            offset += size
    except OSError as error:
        where = getattr(error, "filename", None) or files[0]
        raise ArchiveError(
            str(where), f"cannot read the CTranslate2 model ({error.strerror or error})"
        ) from None
    return data


def read_ctranslate2(
    path: str | os.PathLike[str] | Sequence[str | os.PathLike[str]], *, spec: str | None = None
) -> CTranslate2Weights:
    """Read every variable of a CTranslate2 `model.bin`.

    **Arguments:**

    - `path`: the `model.bin` file, or the files it was split into (``model.bin.part1``, ``.part2``, ...), in
      order: they are read as one file.
    - `spec`: the expected specification (``"WhisperSpec"``), or `None` to accept any.

    **Returns:** a `CTranslate2Weights`. Raises `ArchiveError` (``NT301``) naming the file for a missing,
    truncated or corrupt file, another binary version, another specification, or an unsupported dtype.
    """
    files = [Path(path)] if isinstance(path, (str, os.PathLike)) else [Path(part) for part in path]
    if not files:
        raise ArchiveError("model.bin", "no file given; pass the model.bin file or its parts in order")
    file = files[0] if len(files) == 1 else Path(f"{files[0]} (+{len(files) - 1} parts)")
    data = _read_parts(files)
    cursor = _Cursor(data, str(file))
    version = cursor.u32("the binary version")
    if version != SUPPORTED_VERSION:
        raise cursor.fail(
            f"binary version {version}, this reader knows version {SUPPORTED_VERSION} "
            "(CTranslate2 >= 3); hint: is this a CTranslate2 model.bin? re-convert it with a recent ctranslate2"
        )
    found = cursor.string("the specification name")
    if spec is not None and found != spec:
        raise cursor.fail(f"the model is a {found!r}, expected a {spec!r}")
    revision = cursor.u32("the specification revision")
    count = cursor.u32("the variable count")
    if count * 9 > len(data) - cursor.offset:  # each variable takes at least 9 bytes
        raise cursor.fail(f"truncated or corrupt: {count} variables cannot fit in the remaining bytes")
    variables: dict[str, Tensor] = {}
    for _ in range(count):
        name, tensor = _variable(cursor)
        variables[name] = tensor
    aliases = cursor.u32("the alias count")
    if aliases * 6 > len(data) - cursor.offset:
        raise cursor.fail(f"truncated or corrupt: {aliases} aliases cannot fit in the remaining bytes")
    for _ in range(aliases):
        alias = cursor.string("an alias name")
        target = cursor.string("an alias target", alias)
        if target not in variables:
            raise cursor.fail(f"corrupt: alias of the unknown variable {target!r}", alias)
        variables[alias] = variables[target]
    if cursor.offset != len(data):
        raise cursor.fail(f"corrupt: {len(data) - cursor.offset} unexpected bytes after the aliases")
    return CTranslate2Weights(str(file), found, revision, variables)


def dequantized(weights: CTranslate2Weights, name: str) -> Tensor:
    """Variable `name` as float32: an int8/int16 ``X/weight`` is divided by its per-row ``X/weight_scale``."""
    tensor = weights.variables[name]
    if tensor.dtype in (torch.int8, torch.int16):
        scale = weights.variables.get(f"{name}_scale")
        if scale is None:
            raise ArchiveError(
                weights.path, f"{tensor.dtype} weight without a {name}_scale; hint: a quantization this reader "
                "does not know", member=name,
            )  # fmt: skip
        scale = scale.float()
        return tensor.float() / (scale[:, None] if scale.dim() == 1 else scale)
    return tensor.float()
