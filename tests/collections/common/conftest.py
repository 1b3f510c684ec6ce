"""Fixtures for the model-layer tests."""

from __future__ import annotations

import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from common_archive_helpers import nemo_members, write_tar


@pytest.fixture
def make_nemo(tmp_path: Path) -> Callable[..., Path]:
    """``make_nemo(name="m.nemo", gz=False, config=..., state_dict=..., artifacts=..., extra=[...])``."""

    def make(
        name: str = "model.nemo",
        *,
        gz: bool = False,
        extra: list[tarfile.TarInfo | tuple[str, bytes]] | None = None,
        **parts: Any,
    ) -> Path:
        root = tarfile.TarInfo("./")
        root.type = tarfile.DIRTYPE
        root.mode = 0o700
        members: list[tarfile.TarInfo | tuple[str, bytes]] = [root, *nemo_members(**parts), *(extra or [])]
        return write_tar(tmp_path / name, members, gz=gz)

    return make
