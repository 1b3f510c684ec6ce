"""Long recordings: Whisper's features computed a window at a time equal the whole recording's, and no step of
`transcribe` computes features for more than a window, whatever the recording's length (flat memory)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from neuraltypes_collections.asr import read_audio
from neuraltypes_collections.asr.whisper import WhisperModel, _features
from neuraltypes_collections.asr.whisper._features import WindowedFeatures

FIXTURES = Path(__file__).parent / "fixtures"
ENTRIES = [json.loads(line) for line in (FIXTURES / "manifest.jsonl").read_text().splitlines() if line]
CLIPS = [(FIXTURES / entry["audio_filepath"]).resolve() for entry in ENTRIES]
WINDOW_FRAMES = 3000


def _recording(seconds: float) -> torch.Tensor:
    """The LibriVox clips in turn, each followed by 0.9 s of zeros, for `seconds`."""
    parts, total = [], 0
    while total < seconds * 16000:
        audio = read_audio(CLIPS[len(parts) % len(CLIPS)])[0]
        parts += [audio, torch.zeros(14400)]
        total += audio.shape[0] + 14400
    return torch.cat(parts)


@pytest.mark.parametrize("seconds", [0.02, 1.0, 29.99, 75.0])
def test_windowed_features_equal_the_whole_recordings(tiny_en: WhisperModel, seconds: float) -> None:
    audio = _recording(seconds)[: round(seconds * 16000)]
    with torch.inference_mode():
        whole, frames = tiny_en.front_end.mel_frames(audio[None], torch.tensor([audio.shape[0]]))
        windowed = WindowedFeatures(tiny_en.front_end, audio, chunk_frames=1000)
        assert windowed.content_frames == int(frames[0])
        for start in range(0, windowed.content_frames, 1700):  # windows that start anywhere
            part = windowed.frames(start, start + WINDOW_FRAMES)
            assert torch.equal(part, whole[0, :, start : min(start + WINDOW_FRAMES, int(frames[0]))])


def test_no_step_computes_features_for_more_than_a_window(
    tiny_en: WhisperModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    sizes: list[int] = []
    compute = _features.log_mel_spectrogram

    def counted(audio: torch.Tensor, *args: object, **kwargs: object) -> object:
        sizes.append(audio.shape[-1])
        return compute(audio, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(_features, "log_mel_spectrogram", counted)
    audio = _recording(65.0)
    result = tiny_en.transcribe(audio)
    assert len(result.segments or ()) >= 10 and "Dashwood" in result.text
    longest = (WINDOW_FRAMES + 3) * 160 + 200  # a window's frames, their context and three dropped frames
    assert len(sizes) >= 3 + 3 and max(sizes) <= longest < audio.shape[0] / 2  # peak pass and windows
