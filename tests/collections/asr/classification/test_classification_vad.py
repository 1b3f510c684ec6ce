"""MarbleNet voice activity detection: window and frame probabilities, segments, and the CLI commands."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import soundfile
import torch
from neuraltypes_collections.asr import MFCCConfig, read_manifest
from neuraltypes_collections.asr.classification import (
    ClassificationModel,
    ClassificationModelConfig,
    FrameClassificationModel,
    LabeledAudioDataset,
    matchboxnet_encoder,
    window_speech_probs,
)
from neuraltypes_collections.asr.classification._cli import classify_command
from neuraltypes_collections.asr.vad import SpeechDetection, detect_speech, segments_from_probs
from neuraltypes_collections.asr.vad._cli import detect_speech_command
from neuraltypes_collections.common import InputError, NeuralModel, resample

import neuraltypes as nt

FIXTURES = Path(__file__).parent / "fixtures"
RATE = 16000
WINDOW = round(0.63 * RATE)


def _non_speech(generator: torch.Generator, count: int) -> list[torch.Tensor]:
    """Silence, white noise at -70..-20 dBFS, and tone/chirp sounds, 0.63 s each."""
    time = torch.arange(WINDOW) / RATE
    clips = []
    for index in range(count):
        kind = index % 3
        level = 10 ** (-(20 + 50 * torch.rand(1, generator=generator).item()) / 20)
        if kind == 0:
            clip = torch.randn(WINDOW, generator=generator) * 1e-4
        elif kind == 1:
            clip = torch.randn(WINDOW, generator=generator) * level
        else:
            f0 = 200 + 1800 * torch.rand(1, generator=generator).item()
            clip = 0.3 * torch.sin(2 * math.pi * (f0 * time + 400 * time**2))
        clips.append(clip)
    return clips


def _in_window(clip: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    out = torch.randn(WINDOW, generator=generator) * 1e-4
    clip = clip[:WINDOW]
    start = int(torch.randint(0, WINDOW - clip.numel() + 1, (1,), generator=generator))
    out[start : start + clip.numel()] += clip
    return out


@pytest.fixture(scope="module")
def segment_vad() -> ClassificationModel:
    """A small MarbleNet trained for a few seconds on speech-mini-voice words against silence, noise and tones."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # module fixtures run before the per-test one-thread fixture
    try:
        return _train_segment_vad()
    finally:
        torch.set_num_threads(threads)


def _train_segment_vad() -> ClassificationModel:
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    entries = [e for e in read_manifest(FIXTURES / "commands.jsonl", require_text=False) if e.extra["split"] == "train"]
    words = LabeledAudioDataset(entries, ("yes", "no", "up", "down", "stop"), RATE, cache=True)
    speech = [_in_window(words[i][0], generator) for i in range(len(words))]
    audio = torch.stack(speech + _non_speech(generator, len(speech)))
    targets = torch.tensor([1] * len(speech) + [0] * len(speech))
    config = ClassificationModelConfig(
        labels=("background", "speech"),
        preprocessor=MFCCConfig(n_mels=32, n_mfcc=32),
        encoder=matchboxnet_encoder(1, 1, 16, feat_in=32, outer_channels=32),
        crop_or_pad_frames=None,
    )
    model = ClassificationModel(config).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=0.01)
    lengths = torch.full((32,), WINDOW)
    for _ in range(60):
        batch = torch.randint(0, audio.shape[0], (32,), generator=generator)
        loss = model.training_step((audio[batch], lengths, targets[batch]), 0)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model.eval()


def _recording(tmp_path: Path) -> tuple[Path, list[tuple[float, float]]]:
    """1 s silence, a word, 1 s silence, a word, 1 s of white noise; words from voices not seen in training."""
    entries = [e for e in read_manifest(FIXTURES / "commands.jsonl", require_text=False) if e.extra["split"] == "test"]
    words = LabeledAudioDataset(entries, ("yes", "no", "up", "down", "stop"), RATE)
    generator = torch.Generator().manual_seed(1)
    pieces, spans, position = [], [], 0
    for piece in (torch.zeros(RATE), words[0][0], torch.zeros(RATE), words[8][0], torch.randn(RATE, generator=generator) * 0.01):
        if piece is not None and piece.abs().max() > 0.05:
            spans.append((position / RATE, (position + piece.numel()) / RATE))
        pieces.append(piece)
        position += piece.numel()
    path = tmp_path / "speech.wav"
    soundfile.write(path, torch.cat(pieces).numpy(), RATE, subtype="FLOAT")
    return path, spans


def test_window_probabilities_cover_the_recording_chunk_by_chunk() -> None:
    model = ClassificationModel(
        ClassificationModelConfig(labels=("background", "speech"), encoder=matchboxnet_encoder(1, 1, 16), crop_or_pad_frames=None)
    )
    for samples in (1, 1279, 1280, 20000):
        probs = window_speech_probs(model, torch.randn(samples) * 0.1, shift_s=0.08)
        assert probs.numel() == math.ceil(samples / 1280) and bool(((probs >= 0) & (probs <= 1)).all())
    with pytest.raises(InputError, match="need 0 < shift_s <= window_s"):
        window_speech_probs(model, torch.zeros(100), window_s=0.1, shift_s=0.2)
    for window_s, shift_s in ((1e9, 0.08), (float("inf"), 0.08), (float("nan"), 0.08), (0.63, float("nan"))):
        with pytest.raises(InputError, match="need 0 < shift_s <= window_s <= 0.63 s"):  # not an OOM or ValueError
            window_speech_probs(model, torch.zeros(100), window_s=window_s, shift_s=shift_s)


def test_segment_vad_finds_the_words_and_not_silence_noise_or_tones(segment_vad: ClassificationModel, tmp_path: Path) -> None:
    path, spans = _recording(tmp_path)
    result = segment_vad.detect_speech(path, shift_s=0.04)
    assert isinstance(result, SpeechDetection) and result == detect_speech(segment_vad, path, shift_s=0.04)
    segments = result.segments
    assert len(segments) == len(spans) == 2, segments
    for segment, (start, end) in zip(segments, spans, strict=True):
        assert segment.start_s <= start + 0.1 and segment.end_s >= end - 0.1  # covers the word ...
        assert segment.start_s >= start - 0.45 and segment.end_s <= end + 0.45  # ... and not much more
        assert segment.score > 0.5
    generator = torch.Generator().manual_seed(2)
    for name, clip in zip(("silence", "noise", "tone"), _non_speech(generator, 3), strict=True):
        assert detect_speech(segment_vad, torch.cat([clip] * 3), sample_rate=RATE).segments == (), name


def test_frame_vad_segments_are_the_segmenter_applied_to_its_step_probabilities() -> None:
    model = NeuralModel.restore_from(FIXTURES / "marblenet3x2x64_frame_vad" / "model.nemo")
    assert isinstance(model, FrameClassificationModel)
    audio = torch.randn(3 * RATE, generator=torch.Generator().manual_seed(0)) * 0.05
    probs = model.speech_probs(audio)
    assert probs.numel() == 3 * RATE // model.step_samples
    expected = segments_from_probs(probs, chunk_samples=320, sample_rate=RATE, num_samples=audio.numel())
    assert list(detect_speech(model, audio, sample_rate=RATE).segments) == expected
    assert model.detect_speech([audio]) == [detect_speech(model, audio)]
    with pytest.raises(InputError, match="window_s and shift_s apply to a segment-level classifier"):
        model.detect_speech(audio, shift_s=0.04)


@pytest.mark.parametrize("kind", ["segment", "frame"])
def test_marblenet_8k_tagged_audio_equals_the_audio_resampled_first(kind: str) -> None:
    name = "marblenet3x2x64_vad" if kind == "segment" else "marblenet3x2x64_frame_vad"
    model = NeuralModel.restore_from(FIXTURES / name / "model.nemo")
    at_8k = resample(torch.randn(2 * RATE, generator=torch.Generator().manual_seed(0)) * 0.05, RATE, 8000)
    rules = {"threshold": 0.3, "min_speech_duration_s": 0.0}
    resampled_first = detect_speech(model, resample(at_8k, 8000, RATE), **rules)
    assert detect_speech(model, nt.tag(at_8k.clone(), nt.tags.AudioSignal(8000)), **rules) == resampled_first
    assert detect_speech(model, at_8k, sample_rate=8000, **rules) == resampled_first
    with pytest.raises(nt.ContractViolation, match=r"\[NT208\] detect_speech.* 8000 Hz.*16000 Hz"):
        detect_speech(model, at_8k, sample_rate=8000, resample=False)


def test_classify_command_prints_labels(tmp_path: Path, capsys: pytest.CaptureFixture[str], segment_vad: ClassificationModel) -> None:
    segment_vad.save_to(tmp_path / "vad.nta")
    path, _ = _recording(tmp_path)
    assert classify_command([str(path), "--model", str(tmp_path / "vad.nta"), "--top", "2"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith(str(path) + "\t") and "speech" in line and "background" in line
    assert classify_command([str(path), "--model", str(FIXTURES / "matchboxnet3x1x64" / "model.nemo"), "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["audio_filepath"] == str(path) and 0 < record["probability"] <= 1
    with pytest.raises(InputError, match="holds a FrameClassificationModel, not a ClassificationModel"):
        classify_command([str(path), "--model", str(FIXTURES / "marblenet3x2x64_frame_vad" / "model.nemo")])
    missing = str(tmp_path / "missing.wav")
    assert classify_command([missing, str(path), "--model", str(tmp_path / "vad.nta")]) == 1
    captured = capsys.readouterr()
    assert f"{missing}: no such file" in captured.err and captured.out.startswith(str(path) + "\t")


def test_detect_speech_command_prints_segments(tmp_path: Path, capsys: pytest.CaptureFixture[str], segment_vad: ClassificationModel) -> None:
    segment_vad.save_to(tmp_path / "vad.nta")
    path, spans = _recording(tmp_path)
    assert detect_speech_command([str(path), "--model", str(tmp_path / "vad.nta"), "--json", "--shift", "0.04"]) == 0
    (record,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert record["audio_filepath"] == str(path) and record["duration"] == pytest.approx(soundfile.info(path).duration, abs=1e-3)
    assert len(record["segments"]) == len(spans) and all(s["start"] < s["end"] for s in record["segments"])
    assert detect_speech_command([str(path), "--model", str(FIXTURES / "matchboxnet3x1x64" / "model.nemo")]) == 0
    capsys.readouterr()
    assert detect_speech_command([str(path), str(path)]) == 0  # default: Silero VAD (the silero-vad wheel)
    rows = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert all(len(row) == 4 and row[0] == str(path) and float(row[1]) < float(row[2]) for row in rows)
    assert all(any(float(row[1]) <= end and float(row[2]) >= start for row in rows) for start, end in spans)


def _layout(words: list[torch.Tensor], generator: torch.Generator) -> tuple[torch.Tensor, list[tuple[int, int]]]:
    """Two words with random gaps of silence or faint noise: the audio and the words' sample spans."""
    pieces, spans, position = [], [], 0
    for word in words:
        gap = int(torch.randint(RATE // 5, RATE, (1,), generator=generator))
        level = 10 ** (-(40 + 40 * torch.rand(1, generator=generator).item()) / 20)
        pieces += [torch.randn(gap, generator=generator) * level, word]
        spans.append((position + gap, position + gap + word.numel()))
        position += gap + word.numel()
    tail = int(torch.randint(RATE // 5, RATE // 2, (1,), generator=generator))
    pieces.append(torch.randn(tail, generator=generator) * 1e-3)
    return torch.cat(pieces), spans


def test_a_trained_frame_vad_marks_the_steps_of_the_words() -> None:
    from neuraltypes_collections.asr import MelConfig
    from neuraltypes_collections.asr.classification import FrameClassificationModelConfig

    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    entries = read_manifest(FIXTURES / "commands.jsonl", require_text=False)
    words = LabeledAudioDataset(entries, ("yes", "no", "up", "down", "stop"), RATE, cache=True)
    train = [i for i, e in enumerate(entries) if e.extra["split"] == "train"]
    test = [i for i, e in enumerate(entries) if e.extra["split"] == "test"]
    config = FrameClassificationModelConfig(
        preprocessor=MelConfig(window_length=400, n_mels=32, normalize=None, pad_to=2),
        encoder=matchboxnet_encoder(1, 1, 16, feat_in=32, first_stride=2, outer_channels=32),
    )
    model = FrameClassificationModel(config).train()
    step = model.step_samples
    optimizer = torch.optim.AdamW(model.parameters(), lr=0.01)
    for _ in range(60):
        clips, targets = [], []
        for _ in range(8):
            picks = torch.randint(0, len(train), (2,), generator=generator).tolist()
            audio, spans = _layout([words[train[p]][0] for p in picks], generator)
            centres = torch.arange(audio.numel() // step) * step + step // 2
            target = torch.zeros(centres.numel(), dtype=torch.long)
            for start, end in spans:
                target[(centres >= start) & (centres < end)] = 1
            clips.append(audio)
            targets.append(target)
        lengths = torch.tensor([c.numel() for c in clips])
        batch = torch.zeros(len(clips), int(lengths.max()))
        label_batch = torch.zeros(len(clips), max(t.numel() for t in targets), dtype=torch.long)
        for row, (clip, target) in enumerate(zip(clips, targets, strict=True)):
            batch[row, : clip.numel()], label_batch[row, : target.numel()] = clip, target
        loss = model.training_step((batch, lengths, label_batch), 0)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    found = 0
    for first in range(0, 10, 2):
        audio, spans = _layout([words[test[first]][0], words[test[first + 1]][0]], generator)
        segments = detect_speech(model, audio, sample_rate=RATE, min_silence_duration_s=0.15).segments
        for start, end in spans:
            found += any(s.start_s <= start / RATE + 0.1 and s.end_s >= end / RATE - 0.1 for s in segments)
        assert len(segments) <= 3, segments
    print(f"frame VAD found {found} of 10 unseen words")
    assert found >= 8, f"{found} of 10 unseen words found"
