"""detect_speech, segments_from_probs and split_at_silences: against Silero's own utilities and on non-speech."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pytest
import soundfile
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from neuraltypes_collections.asr.vad import (
    SegmentationOptions,
    SpeechDetection,
    SpeechSegment,
    detect_speech,
    load_silero_vad,
    segments_from_probs,
    split_at_silences,
)
from neuraltypes_collections.common import AudioError, InputError, UnknownModelError, resample

import neuraltypes as nt
from neuraltypes.errors import ContractViolation


def _silero_utils():  # imported lazily: importing silero_vad sets torch's thread count for the process
    from silero_vad import utils_vad

    return utils_vad


def _samples(segments: Sequence[SpeechSegment], rate: int = 16000) -> list[tuple[int, int]]:
    return [(round(s.start_s * rate), round(s.end_s * rate)) for s in segments]


# --- the segmentation rules -------------------------------------------------------------------------------------

probabilities = st.lists(
    st.one_of(st.sampled_from([0.0, 0.2, 0.36, 0.4, 0.5, 0.6, 0.99]), st.floats(0.0, 1.0)),
    min_size=0,
    max_size=120,
)


@settings(max_examples=300, deadline=None)
@given(
    probs=probabilities,
    threshold=st.sampled_from([0.3, 0.5, 0.8]),
    exit_gap=st.sampled_from([None, 0.0, 0.05, 0.3]),
    min_speech_ms=st.sampled_from([0, 64, 250, 500]),
    min_silence_ms=st.sampled_from([0, 32, 100, 300]),
    pad_ms=st.sampled_from([0, 10, 30, 100, 400]),
    short_tail=st.integers(0, 511),
)
def test_segments_equal_silero_get_speech_timestamps_from_probs(
    probs, threshold, exit_gap, min_speech_ms, min_silence_ms, pad_ms, short_tail
) -> None:
    neg_threshold = None if exit_gap is None else max(0.0, threshold - exit_gap)
    num_samples = max(0, len(probs) * 512 - short_tail)
    options = SegmentationOptions(
        threshold, neg_threshold, min_speech_ms / 1000, min_silence_ms / 1000, pad_ms / 1000
    )
    ours = segments_from_probs(
        probs, chunk_samples=512, sample_rate=16000, num_samples=num_samples, options=options
    )
    theirs = _silero_utils().get_speech_timestamps_from_probs(
        probs,
        sampling_rate=16000,
        threshold=threshold,
        neg_threshold=neg_threshold,
        min_speech_duration_ms=min_speech_ms,
        min_silence_duration_ms=min_silence_ms,
        speech_pad_ms=pad_ms,
        audio_length_samples=num_samples,
    )
    assert _samples(ours) == [(t["start"], t["end"]) for t in theirs]


def test_hysteresis_minimum_silence_and_padding_by_hand() -> None:
    rate, chunk = 16000, 512  # 32 ms chunks
    probs = [0.1] * 5 + [0.9] * 10 + [0.4] * 3 + [0.9] * 10 + [0.0] * 2 + [0.9] * 10 + [0.0] * 10 + [0.9] * 2
    options = SegmentationOptions(threshold=0.5, min_silence_duration_s=0.1, speech_pad_s=0.0)
    segments = segments_from_probs(probs, chunk_samples=chunk, sample_rate=rate, options=options)
    # 0.4 is above the exit threshold (0.35): no silence. Two chunks of 0.0 (64 ms) are shorter than 100 ms.
    # Ten chunks of 0.0 end the segment; the last two speech chunks (64 ms) are shorter than 250 ms: dropped.
    assert _samples(segments) == [(5 * chunk, 40 * chunk)]
    assert segments[0].score == pytest.approx(sum(probs[5:40]) / 35)
    # An open segment runs to the end of the audio: here 10 chunks (320 ms) of unscored tail keep the last speech.
    tail = segments_from_probs(
        probs, chunk_samples=chunk, sample_rate=rate, num_samples=60 * chunk, options=options
    )
    assert _samples(tail) == [(5 * chunk, 40 * chunk), (50 * chunk, 60 * chunk)]
    padded = segments_from_probs(
        probs[:-2],
        chunk_samples=chunk,
        sample_rate=rate,
        num_samples=60 * chunk,
        options=SegmentationOptions(speech_pad_s=0.5),
    )
    assert _samples(padded) == [(0, 40 * chunk + 8000)]  # clamped at 0, padded by 8000 samples at the end
    clamped = segments_from_probs(
        probs, chunk_samples=chunk, sample_rate=rate, options=SegmentationOptions(speech_pad_s=0.5)
    )
    assert _samples(clamped) == [(0, len(probs) * chunk)]  # the audio ends before the padding does


def test_options_are_validated() -> None:
    with pytest.raises(ValueError, match=r"neg_threshold=0.7 must be in \[0, threshold=0.5\]"):
        SegmentationOptions(neg_threshold=0.7)
    with pytest.raises(InputError, match=r"threshold=0.0 must be in \(0, 1\]"):
        detect_speech(None, torch.zeros(512), threshold=0.0)
    with pytest.raises(ValueError, match="speech_pad_s=-1"):
        SegmentationOptions(speech_pad_s=-1)


# --- real speech ------------------------------------------------------------------------------------------------


def test_one_segment_per_real_clip_equal_to_silero(clips, clip_paths, torchscript_vad) -> None:
    results = detect_speech(None, clip_paths)
    assert len(results) == len(clips)
    for (name, waveform), result in zip(clips, results, strict=True):
        duration_s = waveform.numel() / 16000
        assert result.duration_s == duration_s and result.sample_rate == 16000
        assert len(result.segments) == 1, f"{name}: {result}"
        (segment,) = result.segments
        assert segment.start_s < 0.5 and segment.end_s > duration_s - 0.3, f"{name}: {segment} of {duration_s} s"
        assert segment.score > 0.9
        torchscript_vad.reset_states()
        theirs = _silero_utils().get_speech_timestamps(waveform, torchscript_vad, sampling_rate=16000)
        assert _samples(result.segments) == [(t["start"], t["end"]) for t in theirs], name


def test_tensor_array_and_stereo_inputs_agree(clips, clip_paths, tmp_path) -> None:
    name, waveform = clips[1]
    expected = detect_speech(None, clip_paths[1])
    assert isinstance(expected, SpeechDetection) and len(expected.segments) == 1
    assert detect_speech(None, waveform) == expected  # an untagged tensor: at the model's rate
    assert detect_speech(None, waveform, sample_rate=16000) == expected
    assert detect_speech("silero", waveform.numpy()) == expected
    stereo = tmp_path / "stereo.wav"
    soundfile.write(stereo, np.stack([waveform.numpy(), waveform.numpy()], axis=1), 16000, subtype="FLOAT")
    assert detect_speech(None, stereo) == expected
    assert detect_speech(None, torch.stack([waveform, waveform])) == expected  # (channel, time): mixed down
    assert detect_speech(load_silero_vad(16000), [waveform, stereo]) == [expected, expected]  # a list: a batch


def test_8k_tagged_audio_equals_the_clip_resampled_first(clips) -> None:
    _, waveform = clips[1]
    at_8k = resample(waveform, 16000, 8000)
    resampled_first = detect_speech(None, resample(at_8k, 8000, 16000))
    assert detect_speech(None, nt.tag(at_8k.clone(), nt.tags.AudioSignal(8000))) == resampled_first
    assert detect_speech(None, at_8k.numpy(), sample_rate=8000) == resampled_first
    assert len(resampled_first.segments) == 1 and resampled_first.segments[0].start_s < 0.5
    with pytest.raises(ContractViolation, match=r"\[NT208\] detect_speech.* 8000 Hz .*16000 Hz") as error:
        detect_speech(None, nt.tag(at_8k.clone(), nt.tags.AudioSignal(8000)), resample=False)
    assert error.value.code == "NT208" and "resample 8000 Hz -> 16000 Hz" in str(error.value)
    native = detect_speech("silero-8k", at_8k, sample_rate=8000)  # Silero's own 8 kHz model
    assert native.sample_rate == 8000 and len(native.segments) == 1 and native.segments[0].start_s < 0.5


def test_input_errors_name_the_input_and_the_fix(clips, clip_paths, tmp_path) -> None:
    _, waveform = clips[1]
    with pytest.raises(AudioError, match=r"audio: audio of shape \[3, 4, 100\]"):
        detect_speech(None, torch.zeros(3, 4, 100))
    with pytest.raises(AudioError, match=r"inputs\[1\]: audio of dtype torch.int16"):
        detect_speech(None, [waveform, torch.zeros(100, dtype=torch.int16)])
    with pytest.raises(AudioError, match=r"sample_rate=8000 was given but the file is 16000 Hz"):
        detect_speech(None, clip_paths[0], sample_rate=8000)
    with pytest.raises(AudioError, match=r"missing.wav: no such file"):
        detect_speech(None, tmp_path / "missing.wav")
    with pytest.raises(UnknownModelError, match=r"no pretrained model named 'not-a-model'"):
        detect_speech("not-a-model", waveform)
    with pytest.raises(InputError, match=r"parameter 'model' is a Linear, expected a speech detector"):
        detect_speech(torch.nn.Linear(2, 2), waveform)  # type: ignore[call-overload]
    with pytest.raises(InputError, match=r"window_s and shift_s apply to a segment-level classifier"):
        detect_speech(None, waveform, window_s=0.5)
    with pytest.raises(InputError, match=r"batch_size must be an integer >= 1, got 0"):
        detect_speech(None, waveform, batch_size=0)


# --- non-speech -------------------------------------------------------------------------------------------------


def _non_speech() -> dict[str, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    t = torch.arange(3 * 16000) / 16000
    return {
        "silence": torch.zeros(3 * 16000),
        "quiet white noise": 0.01 * torch.randn(3 * 16000, generator=generator),
        "loud white noise": (0.3 * torch.randn(3 * 16000, generator=generator)).clamp(-1, 1),
        "tone sweep 100-7000 Hz": 0.5 * torch.sin(2 * math.pi * (100 * t + (7000 - 100) / 6 * t**2)),
        "440 Hz tone": 0.5 * torch.sin(2 * math.pi * 440 * t),
        "click train": torch.zeros(3 * 16000).index_fill_(0, torch.arange(0, 3 * 16000, 800), 0.9),
    }


@pytest.mark.parametrize("kind", list(_non_speech()))
def test_no_speech_in_non_speech_sounds(kind) -> None:
    assert detect_speech(None, _non_speech()[kind]).segments == ()


def test_speech_is_found_between_non_speech(clips) -> None:
    """The non-speech sounds are not merely too short: with a clip in the middle, exactly the clip is found."""
    _, waveform = clips[4]
    sweep = _non_speech()["tone sweep 100-7000 Hz"]
    segments = detect_speech(None, torch.cat([sweep, waveform, sweep])).segments
    assert len(segments) == 1
    assert 3.0 <= segments[0].start_s < 3.5 and 3.0 + waveform.numel() / 16000 - 0.4 < segments[0].end_s < 6.5


# --- splitting long audio ---------------------------------------------------------------------------------------


def test_split_at_silences_keeps_each_clip_whole(clips) -> None:
    gap = torch.zeros(16000)
    pieces = [w for _, w in clips]
    audio = torch.cat([x for w in pieces for x in (gap, w)] + [gap])
    chunks = split_at_silences(audio, sample_rate=16000, max_chunk_s=10.0)
    assert all(chunk.duration_s <= 10.0 for chunk in chunks)
    for chunk in chunks:
        first = round(chunk.offset_s * 16000)
        assert torch.equal(chunk.audio, audio[first : first + chunk.audio.numel()])
    # every clip's speech lies inside one chunk: the cuts fall in the silences
    starts = np.cumsum([0] + [16000 + w.numel() for w in pieces])[:-1] + 16000
    for start, w in zip(starts, pieces, strict=True):
        inside = [
            c
            for c in chunks
            if c.offset_s * 16000 <= start + 0.6 * 16000
            and (c.offset_s + c.duration_s) * 16000 >= start + w.numel() - 0.4 * 16000
        ]
        assert len(inside) == 1
    assert len(chunks) < len(pieces)  # short neighbours are grouped


def test_split_at_silences_cuts_overlong_speech(clips) -> None:
    _, waveform = clips[0]  # 7.1 s of nearly continuous speech
    (segment,) = detect_speech(None, waveform).segments
    chunks = split_at_silences(waveform, sample_rate=16000, max_chunk_s=2.0)
    assert len(chunks) >= 4 and all(chunk.duration_s <= 2.0 for chunk in chunks)
    assert chunks[0].offset_s == pytest.approx(segment.start_s)
    assert chunks[-1].offset_s + chunks[-1].duration_s == pytest.approx(segment.end_s)
    for left, right in zip(chunks[:-1], chunks[1:], strict=True):
        assert left.offset_s + left.duration_s <= right.offset_s + 1e-9


def test_split_at_silences_of_silence_is_empty() -> None:
    assert split_at_silences(torch.zeros(32000), sample_rate=16000) == []


def test_unreadable_file_and_bad_limits_are_explained(tmp_path) -> None:
    not_audio = tmp_path / "notes.wav"
    not_audio.write_text("not audio")
    with pytest.raises(AudioError, match=r"notes.wav: cannot read audio"):
        detect_speech(None, not_audio)
    with pytest.raises(InputError, match=r"max_chunk_s=0.01 must be at least 0.064 s"):
        split_at_silences(torch.zeros(16000), sample_rate=16000, max_chunk_s=0.01)
