"""`neuraltypes detect-speech` (alias `vad`): bad inputs give one line each, never a traceback (the batch of bad files
in a subprocess, the rest through the command line's `main`)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile

FIXTURES = Path(__file__).parent / "fixtures"
CLIP = FIXTURES / "sense_and_sensibility_01_austen_64kb-0880.wav"
FRAME_VAD = (
    Path(__file__).parents[1] / "classification" / "fixtures" / "marblenet3x2x64_frame_vad" / "model.nemo"
)


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "neuraltypes_collections.common._cli", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def bad_files(bad_audio: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    files = {**bad_audio, "no frames": tmp_path_factory.mktemp("bad") / "no_frames.wav"}
    soundfile.write(files["no frames"], np.zeros(0, dtype="float32"), 16000)
    return files


@pytest.mark.parametrize("command", ["detect-speech", "vad"])
def test_a_bad_file_is_reported_on_its_own_line_and_the_others_are_processed(
    command: str, bad_files: dict[str, Path]
) -> None:
    result = _run(command, *map(str, bad_files.values()), str(CLIP))
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    errors = result.stderr.splitlines()
    assert len(errors) == len(bad_files), result.stderr
    for kind, path in bad_files.items():
        assert any(line.startswith("neuraltypes detect-speech: ") and str(path) in line for line in errors), (
            kind
        )
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert len(rows) == 1 and rows[0][0] == str(CLIP) and float(rows[0][1]) < 0.5 < float(rows[0][2])


def test_json_gives_one_object_per_file_and_a_frame_vad_works_too(cli) -> None:
    result = cli(
        "detect-speech", str(CLIP), str(CLIP), "--model", str(FRAME_VAD), "--json", "--threshold", "0.9"
    )
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["audio_filepath"] for r in records] == [str(CLIP)] * 2 and records[0]["duration"] == 2.99


@pytest.mark.parametrize("model", ["bad/path.nta", "truncated.nemo", "no-such-model", "text.wav"])
def test_a_bad_model_is_one_line_naming_it(model: str, tmp_path: Path, cli) -> None:
    if model == "truncated.nemo":
        (tmp_path / model).write_bytes(FRAME_VAD.read_bytes()[:3000])
    if model == "text.wav":
        (tmp_path / model).write_text("not a model")
    reference = str(tmp_path / model) if model in ("truncated.nemo", "text.wav") else model
    result = cli("detect-speech", str(CLIP), "--model", reference)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith("neuraltypes detect-speech: ") and reference in line
    assert result.stdout == ""
