"""`neuraltypes synthesize` (the command function; the lead registers it in common/_cli.py)."""

from pathlib import Path

import pytest
from neuraltypes_collections.tts import read_wav
from neuraltypes_collections.tts._cli import synthesize_command

FIXTURES = Path(__file__).parent / "fixtures"


def test_synthesize_text_to_wav_and_png(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("matplotlib", reason="matplotlib draws the optional spectrogram PNG")
    out, png = tmp_path / "hello.wav", tmp_path / "hello.png"
    status = synthesize_command(
        ["Hello world.", "-o", str(out), "--model", str(FIXTURES / "fastpitch_small" / "model.nemo"),
         "--vocoder", "griffin-lim", "--png", str(png), "--pace", "1.2"]
    )  # fmt: skip
    assert status == 0
    audio, rate = read_wav(out)
    assert rate == 22050 and audio.shape[0] % 256 == 0 and audio.shape[0] > 0
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert "real-time factor" in capsys.readouterr().out


def test_copy_synthesis_with_griffin_lim(tmp_path: Path) -> None:
    clip = FIXTURES / "real_speech" / "audio" / "sense_and_sensibility_01_austen_64kb-0880.wav"
    out = tmp_path / "copy.wav"
    assert synthesize_command(["--copy", str(clip), "-o", str(out), "--vocoder", "griffin-lim"]) == 0
    audio, rate = read_wav(out)
    original, original_rate = read_wav(clip)
    assert rate == 22050
    assert abs(audio.shape[0] / rate - original.shape[0] / original_rate) < 0.02


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["-o", "x.wav"], "either TEXT"),
        (["hello", "-o", "x.wav"], "needs --model"),
    ],
)
def test_usage_errors(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        synthesize_command(argv)
    assert info.value.code == 2
    assert message in capsys.readouterr().err
