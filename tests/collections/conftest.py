"""Shared fixtures of the collection tests."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

CliRunner = Callable[..., "subprocess.CompletedProcess[str]"]


@pytest.fixture()
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """Run ``neuraltypes ARGS...`` through the command line's ``main`` in this process (what the console script
    calls, without a new interpreter and its imports); ``cwd=`` runs it from a folder. An exception escaping
    ``main`` — what would print a traceback — fails the test. Each command also has one real subprocess test."""
    from neuraltypes_collections.common._cli import main

    def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        capsys.readouterr()
        try:
            status = main(list(args))
        except SystemExit as stop:  # argparse's usage errors
            status = stop.code if isinstance(stop.code, int) else 2
        captured = capsys.readouterr()
        return subprocess.CompletedProcess(list(args), status, captured.out, captured.err)

    return run


@pytest.fixture(scope="session")
def bad_audio(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Audio files no command can read, by kind: ``missing``, ``empty`` (0 bytes), ``text`` (not audio), ``nan``
    (a float wav of NaNs). Copy the dict before adding to it: it is shared by the whole session."""
    import numpy as np
    import soundfile

    folder = tmp_path_factory.mktemp("bad audio")
    files = {kind: folder / f"{kind}.wav" for kind in ("missing", "empty", "text", "nan")}
    files["empty"].write_bytes(b"")
    files["text"].write_text("this is not audio\n", encoding="utf-8")
    soundfile.write(files["nan"], np.full(1600, np.nan, dtype=np.float32), 16000, subtype="FLOAT")
    return files
