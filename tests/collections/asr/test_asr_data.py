"""Audio reading and manifests: mono mix-down, resampling, and clear errors for bad files and lines."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile
import torch
from neuraltypes_collections.asr import AudioError, ManifestError, read_audio, read_manifest

SPEECH = Path(__file__).parent / "fixtures" / "speech"


def _write(path: Path, data: np.ndarray, rate: int, subtype: str = "PCM_16") -> Path:
    soundfile.write(path, data, rate, subtype=subtype)
    return path


def test_reads_wav_flac_and_ogg_as_mono_float(tmp_path: Path) -> None:
    tone = 0.5 * np.sin(np.arange(8000) / 8.0).astype(np.float32)
    for suffix, subtype in (("wav", "PCM_16"), ("flac", "PCM_16"), ("ogg", "VORBIS")):
        audio, rate = read_audio(_write(tmp_path / f"a.{suffix}", tone, 16000, subtype))
        assert rate == 16000 and audio.dtype == torch.float32 and audio.dim() == 1
        assert abs(audio.shape[0] - 8000) <= 1024  # vorbis may pad a little


def test_stereo_is_mixed_down(tmp_path: Path) -> None:
    left = np.full(1600, 0.5, dtype=np.float32)
    stereo = np.stack([left, -left * 0.5], axis=1)
    audio, _ = read_audio(_write(tmp_path / "s.wav", stereo, 16000, "FLOAT"))
    assert torch.allclose(audio, torch.full((1600,), 0.125))


def test_other_rates_are_resampled(tmp_path: Path) -> None:
    tone = np.sin(2 * np.pi * 440 * np.arange(8000) / 8000).astype(np.float32)
    audio, rate = read_audio(_write(tmp_path / "low.wav", tone, 8000), 16000)
    assert rate == 16000 and audio.shape[0] == 16000


def test_offset_and_duration_window(tmp_path: Path) -> None:
    ramp = (np.arange(16000) / 16000).astype(np.float32)
    audio, _ = read_audio(_write(tmp_path / "r.wav", ramp, 16000, "FLOAT"), offset_s=0.5, duration_s=0.25)
    assert audio.shape[0] == 4000 and abs(audio[0].item() - 0.5) < 1e-6


def test_empty_nan_missing_and_garbage_audio_raise_naming_the_file(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match="empty"):
        read_audio(_write(tmp_path / "empty.wav", np.zeros(0, dtype=np.float32), 16000))
    bad = np.zeros(100, dtype=np.float32)
    bad[10] = np.nan
    with pytest.raises(AudioError, match=r"nan\.wav.*NaN or infinite"):
        read_audio(_write(tmp_path / "nan.wav", bad, 16000, "FLOAT"))
    with pytest.raises(AudioError, match="nope.wav: no such file"):
        read_audio(tmp_path / "nope.wav")
    (tmp_path / "junk.wav").write_bytes(b"not audio at all")
    with pytest.raises(AudioError, match="junk.wav: cannot read audio"):
        read_audio(tmp_path / "junk.wav")


def test_silence_is_valid_audio(tmp_path: Path) -> None:
    audio, _ = read_audio(_write(tmp_path / "quiet.wav", np.zeros(1600, dtype=np.float32), 16000))
    assert torch.count_nonzero(audio) == 0


def test_manifest_resolves_relative_paths_and_keeps_extra_keys() -> None:
    entries = read_manifest(SPEECH / "train.jsonl")
    assert len(entries) == 24
    first = entries[0]
    assert first.audio_filepath.is_file()
    assert first.text == "to get the attention of" and "voice" in first.extra and first.line == 1


@pytest.mark.parametrize(
    ("line", "match"),
    [
        ("{not json", r"bad\.jsonl:2: invalid JSON"),
        ('{"duration": 1.0, "text": "a"}', r"bad\.jsonl:2: missing 'audio_filepath'"),
        ('{"audio_filepath": "missing.wav", "text": "a"}', r"bad\.jsonl:2: audio file .*missing\.wav.* does not exist"),
        ('{"audio_filepath": "ok.wav", "text": 3}', r"bad\.jsonl:2: 'text' must be a string"),
        ('{"audio_filepath": "ok.wav"}', r"bad\.jsonl:2: missing 'text'"),
        ('{"audio_filepath": "ok.wav", "text": "a", "duration": -1}', r"bad\.jsonl:2: 'duration' must be"),
    ],
)
def test_bad_manifest_lines_name_file_and_line(tmp_path: Path, line: str, match: str) -> None:
    _write(tmp_path / "ok.wav", np.zeros(160, dtype=np.float32), 16000)
    good = json.dumps({"audio_filepath": "ok.wav", "duration": 0.01, "text": "a"})
    (tmp_path / "bad.jsonl").write_text(good + "\n" + line + "\n")
    with pytest.raises(ManifestError, match=match):
        read_manifest(tmp_path / "bad.jsonl")


def test_missing_manifest() -> None:
    with pytest.raises(ManifestError, match="manifest does not exist"):
        read_manifest("/nonexistent/manifest.jsonl")
