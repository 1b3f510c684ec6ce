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
