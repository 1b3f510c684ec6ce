"""`transcribe`'s temperature fallback for Whisper: `temperature=` and faster-whisper's thresholds."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from neuraltypes_collections.asr import read_audio
from neuraltypes_collections.asr.whisper import WhisperModel
from neuraltypes_collections.common import InputError

SPEECH = sorted((Path(__file__).parents[1] / "fixtures" / "speech" / "audio").glob("*.wav"))


def test_a_window_that_fails_the_thresholds_is_decoded_again_at_the_next_temperature(tiny_en: WhisperModel) -> None:
    audio, _ = read_audio(SPEECH[0])
    # a log-probability threshold of 0 fails every window: each temperature is tried and the most probable kept
    strict = {"log_prob_threshold": 0.0, "no_speech_threshold": None}
    kept = tiny_en.transcribe(audio, temperature=(0.0, 1.0), **strict)
    greedy = tiny_en.transcribe(audio, temperature=0.0, **strict)
    sampled = tiny_en.transcribe(audio, temperature=1.0, **strict)
    assert greedy.text != sampled.text  # the two candidates differ, so the choice below means something
    assert kept.avg_logprob == max(greedy.avg_logprob, sampled.avg_logprob)  # type: ignore[type-var]
    assert tiny_en.transcribe(audio, temperature=(0.0, 1.0), **strict) == kept  # seeded
    # with faster-whisper's thresholds the greedy text passes, and the fallback changes nothing
    assert tiny_en.transcribe(audio, temperature=(0.0, 0.2, 0.4, 0.6, 0.8, 1.0)) == tiny_en.transcribe(audio)


@pytest.mark.parametrize("temperature", [-0.5, (), "hot", (0.0, float("nan"))])
def test_a_bad_temperature_is_named(tiny_en: WhisperModel, temperature: object) -> None:
    with pytest.raises(InputError, match="transcribe: temperature must be a number >= 0"):
        tiny_en.transcribe(torch.zeros(16000), temperature=temperature)  # type: ignore[arg-type]
