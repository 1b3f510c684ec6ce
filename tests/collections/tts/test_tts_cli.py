"""`neuraltypes synthesize`: text and copy synthesis to WAV, and one line (no traceback) for every bad input."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile
from neuraltypes_collections.common import read_audio
from neuraltypes_collections.tts._cli import synthesize_command

FIXTURES = Path(__file__).parent / "fixtures"
FASTPITCH = FIXTURES / "fastpitch_small" / "model.nemo"
CLIP = FIXTURES / "real_speech" / "audio" / "sense_and_sensibility_01_austen_64kb-0880.wav"


def test_synthesize_text_to_wav_and_png(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("matplotlib", reason="matplotlib draws the optional spectrogram PNG")
    out, png = tmp_path / "hello.wav", tmp_path / "hello.png"
    status = synthesize_command(
        ["Hello world.", "-o", str(out), "--model", str(FASTPITCH), "--vocoder", "griffin-lim", "--png", str(png),
         "--pace", "1.2", "--threads", "1"]
    )  # fmt: skip
    assert status == 0
    audio, rate = read_audio(out)
    assert rate == 22050 and audio.shape[0] % 256 == 0 and audio.shape[0] > 0
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert "real-time factor" in capsys.readouterr().out


def test_copy_synthesis_with_griffin_lim_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "copy.wav"
    assert synthesize_command(["--copy", str(CLIP), "-o", str(out), "--vocoder", "griffin-lim", "--json"]) == 0
    audio, rate = read_audio(out)
    original, original_rate = read_audio(CLIP)
    assert rate == 22050
    assert abs(audio.shape[0] / rate - original.shape[0] / original_rate) < 0.02
    report = json.loads(capsys.readouterr().out)
    assert report["output"] == str(out) and report["sample_rate"] == 22050
    assert report["frames"] * 256 == audio.shape[0]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["-o", "x.wav"], "either TEXT"),
        (["--copy", "a.wav", "-o", "x.wav", "--model", "m.nemo"], "takes no --model"),
    ],
)
def test_usage_errors(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        synthesize_command(argv)
    assert info.value.code == 2
    assert message in capsys.readouterr().err


@pytest.fixture(scope="module")
def bad_inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bad")
    (folder / "empty.wav").write_bytes(b"")
    (folder / "text.wav").write_text("this is not audio\n")
    soundfile.write(folder / "nan.wav", np.full(1600, np.nan, dtype=np.float32), 16000, subtype="FLOAT")
    (folder / "truncated.nemo").write_bytes(FASTPITCH.read_bytes()[:4000])
    return folder


def _run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    code = "import sys; from neuraltypes_collections.common._cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, "synthesize", *argv, "--threads", "1"],
        capture_output=True, text=True, timeout=300, cwd=cwd,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["--copy", "missing.wav"], "missing.wav: no such file"),
        (["--copy", "empty.wav"], "empty.wav: "),
        (["--copy", "text.wav"], "text.wav: cannot read audio"),
        (["--copy", "nan.wav"], "nan.wav: 1600 of 1600 samples are NaN"),
        (["hello", "--model", "no/such/model.nemo"], "no/such/model.nemo"),
        (["hello", "--model", "truncated.nemo"], "truncated.nemo: "),
        (["  ", "--model", str(FASTPITCH)], "text: the text is empty"),
        (["hello", "--model", str(FIXTURES / "hifigan_small" / "model.nemo")], "not a spectrogram generator"),
    ],
    ids=["missing", "empty", "text-as-wav", "all-nan", "bad-model-path", "truncated-archive", "empty-text",
         "wrong-model-kind"],  # fmt: skip
)
def test_bad_inputs_give_one_line_and_no_output(
    bad_inputs: Path, argv: list[str], named: str, cli
) -> None:
    result = cli("synthesize", *argv, "-o", "out.wav", "--vocoder", "griffin-lim", "--threads", "1", cwd=bad_inputs)
    assert result.returncode == 1, result
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("neuraltypes synthesize: ") and named in lines[0], result.stderr
    assert not (bad_inputs / "out.wav").exists()
    assert [p.name for p in bad_inputs.iterdir() if p.name.startswith(".")] == []  # no temporary file left
