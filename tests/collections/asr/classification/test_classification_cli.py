"""`neuraltypes classify`: bad inputs give one line each, never a traceback (the batch of bad files in a subprocess,
bad models through the command line's `main`)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile

FIXTURES = Path(__file__).parent / "fixtures"
MATCHBOXNET = FIXTURES / "matchboxnet3x1x64" / "model.nemo"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "neuraltypes_collections.common._cli", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def files(bad_audio: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("clips")
    made = {**bad_audio, "good 8 kHz": folder / "good8k.wav", "good 10 samples": folder / "tiny.wav"}
    noise = np.random.default_rng(0).normal(0, 0.05, 8000).astype("float32")
    soundfile.write(made["good 8 kHz"], noise, 8000, subtype="FLOAT")
    soundfile.write(made["good 10 samples"], noise[:10], 16000, subtype="FLOAT")
    return made


def test_a_bad_file_is_reported_on_its_own_line_and_the_others_are_classified(files: dict[str, Path]) -> None:
    result = _run(
        "classify", *map(str, files.values()), "--model", str(MATCHBOXNET), "--json", "--batch-size", "1"
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    errors = result.stderr.splitlines()
    bad = {kind: path for kind, path in files.items() if not kind.startswith("good")}
    assert len(errors) == len(bad), result.stderr
    for kind, path in bad.items():
        assert any(line.startswith("neuraltypes classify: ") and str(path) in line for line in errors), kind
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["audio_filepath"] for r in records] == [str(files["good 8 kHz"]), str(files["good 10 samples"])]
    assert all(0 < r["probability"] <= 1 for r in records)


@pytest.mark.parametrize("model", ["bad/path.nta", "truncated.nemo", "no-such-model", "silero"])
def test_a_bad_model_is_one_line_naming_it(
    model: str, files: dict[str, Path], tmp_path: Path, cli
) -> None:
    if model == "truncated.nemo":
        (tmp_path / model).write_bytes(MATCHBOXNET.read_bytes()[:3000])
    reference = str(tmp_path / model) if model == "truncated.nemo" else model
    result = cli("classify", str(files["good 8 kHz"]), "--model", reference)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith("neuraltypes classify: ") and reference in line
    assert result.stdout == ""


def test_the_model_is_required() -> None:
    result = _run("classify", "clip.wav")
    assert result.returncode == 2 and "--model" in result.stderr and "Traceback" not in result.stderr
