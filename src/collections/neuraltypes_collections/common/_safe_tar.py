"""Reading tar archives into memory without trusting them.

Nothing is ever extracted to disk. Every member is checked before it is read: its name must be a plain
relative path (no absolute path, no ``..``, no backslash), its type a regular file or a directory (no
symlinks, hard links, devices or FIFOs), its size within the limits, and each name may appear only once.
"""

from __future__ import annotations

import gzip
import os
import tarfile
import zlib
from dataclasses import dataclass

from ._errors import ArchiveError

__all__ = ["SizeLimits", "read_tar_members", "normalise_member_name"]

_GIB = 1024**3


@dataclass(frozen=True)
class SizeLimits:
    """Caps applied while reading an archive (a defence against tar bombs).

    **Arguments:**

    - ``max_member_bytes``: the largest single member, in bytes.
    - ``max_total_bytes``: the sum of all members, in bytes.
    - ``max_members``: the number of members.
    """

    max_member_bytes: int = 8 * _GIB
    max_total_bytes: int = 16 * _GIB
    max_members: int = 10_000


def normalise_member_name(archive: str, name: str) -> str:
    """Return ``name`` without leading ``./``; raise ``ArchiveError`` if it could escape a directory.

    **Arguments:**

    - ``archive``: the archive path, for the error message.
    - ``name``: the member name as stored in the tar header.

    **Returns:** the normalised relative name (``""`` for the root directory entry).
    """
    if "\\" in name or "\x00" in name:
        raise ArchiveError(archive, "the name contains a backslash or a NUL byte; refusing it", member=name)
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise ArchiveError(
            archive, "absolute member path; archives must hold relative names only", member=name
        )
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if any(part == ".." for part in parts):
        raise ArchiveError(
            archive, "the name contains '..' (path traversal); refusing the archive", member=name
        )
    return "/".join(parts)


def _open(path: str) -> tarfile.TarFile:
    if os.path.isdir(path):
        raise ArchiveError(path, "is a folder, not an archive file")
    with open(path, "rb") as file:
        magic = file.read(2)
    compressed = magic == b"\x1f\x8b"
    try:
        return tarfile.open(path, mode="r:gz" if compressed else "r:")
    except (tarfile.TarError, EOFError, OSError, zlib.error) as error:
        kind = "tar.gz" if compressed else "tar"
        raise ArchiveError(
            path, f"not a readable {kind} archive ({error}); the file is truncated or corrupted"
        ) from None


def read_tar_members(path: str | os.PathLike[str], *, limits: SizeLimits | None = None) -> dict[str, bytes]:
    """Read every regular file of a tar (or tar.gz) archive into memory, after checking it.

    **Arguments:**

    - ``path``: the archive.
    - ``limits``: size caps; ``SizeLimits()`` by default.

    **Returns:** a mapping from normalised member names to their bytes. Directory entries are checked
    and dropped.

    Raises ``ArchiveError`` for an unsafe or corrupted archive and ``FileNotFoundError`` if ``path`` does
    not exist.
    """
    limits = limits or SizeLimits()
    archive = os.fspath(path)
    members: dict[str, bytes] = {}
    total = 0
    count = 0
    with _open(archive) as tar:
        try:
            for info in tar:
                count += 1
                if count > limits.max_members:
                    raise ArchiveError(archive, f"more than {limits.max_members} members; refusing it")
                name = normalise_member_name(archive, info.name)
                if info.isdir():
                    continue
                if not info.isreg():
                    kind = (
                        "a symbolic link"
                        if info.issym()
                        else "a hard link"
                        if info.islnk()
                        else "a FIFO"
                        if info.isfifo()
                        else "a device"
                        if info.ischr() or info.isblk()
                        else "a special file"
                    )
                    raise ArchiveError(
                        archive,
                        f"is {kind}; only regular files and directories are allowed",
                        member=info.name,
                    )
                if info.size > limits.max_member_bytes:
                    raise ArchiveError(
                        archive,
                        f"is {info.size} bytes, over the limit of {limits.max_member_bytes} bytes"
                        " (hint: raise SizeLimits.max_member_bytes if you trust this file)",
                        member=info.name,
                    )
                total += info.size
                if total > limits.max_total_bytes:
                    raise ArchiveError(
                        archive,
                        f"the members add up to more than {limits.max_total_bytes} bytes"
                        " (hint: raise SizeLimits.max_total_bytes if you trust this file)",
                    )
                if name in members:
                    raise ArchiveError(archive, "appears twice in the archive; refusing it", member=info.name)
                handle = tar.extractfile(info)
                if handle is None:  # pragma: no cover - isreg() members always have data
                    raise ArchiveError(archive, "has no data", member=info.name)
                data = handle.read()
                if len(data) != info.size:
                    raise ArchiveError(
                        archive,
                        f"holds {len(data)} of {info.size} bytes; the file is truncated",
                        member=info.name,
                    )
                members[name] = data
        except ArchiveError:
            raise
        except (tarfile.TarError, EOFError, OSError, zlib.error, gzip.BadGzipFile) as error:
            raise ArchiveError(archive, f"the archive is corrupted or truncated ({error})") from None
    return members
