"""Classifier configs, contracts, augmentation, pooling, `classify`, archives, data set and public surface."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile
import torch
from neuraltypes_collections.asr import MelConfig, MFCCConfig, SpecAugmentConfig, read_manifest
from neuraltypes_collections.asr import classification as cls
from neuraltypes_collections.asr.classification import (
    ClassificationModel,
    ClassificationModelConfig,
    CommandAugmentConfig,
    FrameClassificationModel,
    FrameClassificationModelConfig,
    LabeledAudioDataset,
    collate_audio_labels,
    crop_or_pad,
    matchboxnet_encoder,
    time_shift,
    white_noise,
)
from neuraltypes_collections.common import NeuralModel

import neuraltypes as nt

FIXTURES = Path(__file__).parent / "fixtures"
WORDS = ("yes", "no", "up", "down", "stop")


def small_config(**changes: object) -> ClassificationModelConfig:
    options: dict[str, object] = {
        "labels": WORDS,
        "preprocessor": MFCCConfig(n_mels=32, n_mfcc=32),
        "encoder": matchboxnet_encoder(1, 1, 16, feat_in=32, outer_channels=16),
        "crop_or_pad_frames": 64,
    }
    options.update(changes)
    return ClassificationModelConfig(**options)  # type: ignore[arg-type]


def test_matchboxnet_presets_have_nemo_sizes() -> None:
    matchbox = ClassificationModel(ClassificationModelConfig(labels=tuple(f"w{i}" for i in range(30)), crop_or_pad_frames=None))
    assert sum(p.numel() for p in matchbox.parameters()) == 77_214  # NeMo's MatchboxNet 3x1x64, 30 labels
    marble = ClassificationModel(
        ClassificationModelConfig(labels=("background", "speech"), encoder=matchboxnet_encoder(3, 2, 64))
    )
    assert sum(p.numel() for p in marble.parameters()) == 89_154  # NeMo's MarbleNet 3x2x64
    frame = FrameClassificationModel(FrameClassificationModelConfig())
    assert sum(p.numel() for p in frame.parameters()) == 91_378  # NeMo's frame MarbleNet 3x2x64 (20 ms)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"labels": ("yes",)}, "at least two distinct"),
        ({"labels": ("yes", "yes")}, "at least two distinct"),
        ({"encoder": matchboxnet_encoder(1, 1, 16, feat_in=64)}, r"encoder.feat_in \(64\) must equal .* 32 features"),
        ({"crop_or_pad_frames": 0}, "crop_or_pad_frames must be positive"),
        ({"pooling": "max"}, "pooling must be one of"),
    ],
)
def test_config_errors_name_the_field(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        small_config(**changes)


def test_frame_config_errors() -> None:
    with pytest.raises(ValueError, match="speech_label 'speech' is not one of the labels"):
        FrameClassificationModelConfig(speech_label="speech")
    with pytest.raises(ValueError, match="must equal preprocessor.n_mels"):
        FrameClassificationModelConfig(preprocessor=MelConfig(n_mels=40))
    with pytest.raises(ValueError, match="min_shift_ms"):
        CommandAugmentConfig(min_shift_ms=5, max_shift_ms=-5)


def test_forward_contract_rejects_wrong_sample_rate() -> None:
    model = ClassificationModel(small_config()).eval()
    audio = nt.tag(torch.zeros(1, 8000), nt.tags.AudioSignal(8000))
    with pytest.raises(nt.ContractViolation, match="parameter 'audio'") as error:
        model(audio, torch.tensor([8000]))
    assert "resample 8000 Hz -> 16000 Hz" in (error.value.hint or "")


def test_mfcc_features_flow_through_the_typed_encoder_in_strict_mode() -> None:
    model = ClassificationModel(small_config()).eval()
    audio = nt.tag(torch.randn(2, 12000), nt.tags.AudioSignal(16000))
    lengths = nt.tag(torch.tensor([12000, 7000]), nt.tags.Lengths())
    with nt.checking("full", strict=True):
        logits = model(audio, lengths)
    assert logits.shape == (2, len(WORDS))
    assert nt.tag_of(logits) == nt.tags.Logits()


def test_wiring_of_both_models_checks_before_any_data_flows() -> None:
    model = ClassificationModel(small_config(spec_augment=SpecAugmentConfig(freq_masks=1)))
    assert model.spec_augment is not None
    assert nt.check_wiring([model.preprocessor, model.spec_augment]).ok
    assert nt.check_wiring([model.preprocessor, model.encoder, model.decoder]).ok
    frame = FrameClassificationModel(FrameClassificationModelConfig())
    assert nt.check_wiring([frame.preprocessor, frame.encoder]).ok
    assert not nt.check_wiring([model.encoder, model.encoder]).ok


def test_crop_or_pad_pads_symmetrically_and_crops() -> None:
    features = torch.arange(2 * 3 * 5, dtype=torch.float32).reshape(2, 3, 5)
    padded, lengths = crop_or_pad(features, torch.tensor([5, 3]), 8, random_crop=False)
    assert padded.shape == (2, 3, 8) and lengths.tolist() == [8, 8]
    assert torch.equal(padded[:, :, 1:6], features) and padded[:, :, :1].abs().sum() == 0
    assert padded[:, :, 6:].abs().sum() == 0  # 3 missing frames: 1 left, 2 right (NeMo)
    cropped, _ = crop_or_pad(features, torch.tensor([5, 5]), 3, random_crop=False)
    assert torch.equal(cropped, features[:, :, 1:4])
    generator = torch.Generator().manual_seed(0)
    random_cropped, _ = crop_or_pad(features, torch.tensor([5, 5]), 3, random_crop=True, generator=generator)
    for clip, original in zip(random_cropped, features, strict=True):
        start = int(clip[0, 0] - original[0, 0])
        assert torch.equal(clip, original[:, start : start + 3])


def test_time_shift_and_white_noise_follow_nemo() -> None:
    audio = torch.arange(1.0, 161.0)  # 10 ms at 16 kHz
    later = time_shift(audio, -1.0, 16000)  # 1 ms = 16 samples later
    assert torch.equal(later[16:], audio[:-16]) and later[:16].abs().sum() == 0
    earlier = time_shift(audio, 1.0, 16000)
    assert torch.equal(earlier[:-16], audio[16:]) and earlier[-16:].abs().sum() == 0
    assert torch.equal(time_shift(audio, 20.0, 16000), audio)  # longer than the clip: unchanged (NeMo)
    noisy = white_noise(torch.zeros(100_000), -40.0, torch.Generator().manual_seed(0))
    assert noisy.std().item() == pytest.approx(0.01, rel=0.02)
    config = CommandAugmentConfig()
    clips = [cls.augment_clip(audio, config, 16000, random.Random(seed)) for seed in range(2)]
    assert not torch.equal(clips[0], clips[1]) and clips[0].shape == audio.shape


def test_avg_pooling_depends_on_the_batch_avg_valid_does_not() -> None:
    torch.manual_seed(0)
    clips = [torch.randn(16000) * 0.1, torch.randn(6000) * 0.1]
    audio = torch.zeros(2, 16000)
    audio[0], audio[1, :6000] = clips
    lengths = torch.tensor([16000, 6000])
    differences = {}
    for pooling in ("avg_valid", "avg"):
        model = ClassificationModel(small_config(pooling=pooling, crop_or_pad_frames=None)).eval()
        with torch.no_grad():
            batched = model(audio, lengths)[1]
            alone = model(clips[1][None], lengths[1:])[0]
        differences[pooling] = float((batched - alone).abs().max())
    # Only the MFCC's last frame differs (reflect padding alone, zeros in the batch), as in NeMo.
    assert differences["avg_valid"] < 5e-4 < 5e-3 < differences["avg"], differences


def test_classify_accepts_paths_tensors_and_other_rates(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = ClassificationModel(small_config()).eval()
    clip = torch.randn(12000) * 0.1
    soundfile.write(tmp_path / "clip.wav", clip.numpy(), 16000, subtype="FLOAT")
    at_8k = torch.from_numpy(np.interp(np.arange(6000) * 2.0, np.arange(12000), clip.numpy())).float()
    soundfile.write(tmp_path / "clip8k.wav", at_8k.numpy(), 8000, subtype="FLOAT")
    results = model.classify([str(tmp_path / "clip.wav"), clip, tmp_path / "clip8k.wav"])
    assert len(results) == 3 and all(r.label in WORDS for r in results)
    assert results[0].probabilities == pytest.approx(results[1].probabilities, abs=1e-5)
    assert sum(results[0].probabilities.values()) == pytest.approx(1.0, abs=1e-5)
    assert max(results[0].probabilities.values()) == pytest.approx(results[0].probability)
    tagged = nt.tag(at_8k.clone(), nt.tags.AudioSignal(8000))
    single = model.classify(tagged)  # one clip in, one result out
    assert isinstance(single, cls.Classification)
    assert single.probabilities == pytest.approx(results[2].probabilities, abs=1e-5)
    assert model.classify([]) == []


def test_a_2d_tensor_is_one_clip_with_channels_and_a_list_is_a_batch() -> None:
    torch.manual_seed(0)
    model = ClassificationModel(small_config()).eval()
    left, right = torch.randn(9000) * 0.1, torch.randn(9000) * 0.1
    stereo = model.classify(torch.stack([left, right]))
    assert isinstance(stereo, cls.Classification)
    assert stereo == model.classify((left + right) / 2)
    assert len(model.classify([left, right])) == 2


def test_classify_function_and_method_agree_and_take_a_path_to_the_model() -> None:
    path = FIXTURES / "matchboxnet3x1x64" / "model.nemo"
    model = ClassificationModel.restore_from(path)
    clip = torch.randn(16000, generator=torch.Generator().manual_seed(0)) * 0.1
    assert cls.classify(model, clip) == model.classify(clip)
    assert cls.classify(path, [clip], batch_size=1, device="cpu") == [model.classify(clip)]


def test_an_8k_tagged_clip_equals_the_clip_resampled_first() -> None:
    from neuraltypes_collections.common import resample

    torch.manual_seed(0)
    model = ClassificationModel(small_config()).eval()
    at_8k = resample(torch.randn(16000) * 0.1, 16000, 8000)
    resampled_first = model.classify(resample(at_8k, 8000, 16000))
    assert cls.classify(model, nt.tag(at_8k.clone(), nt.tags.AudioSignal(8000))) == resampled_first
    assert cls.classify(model, at_8k.numpy(), sample_rate=8000) == resampled_first
    with pytest.raises(nt.ContractViolation, match=r"\[NT208\] classify.* 8000 Hz.*16000 Hz") as error:
        cls.classify(model, nt.tag(at_8k.clone(), nt.tags.AudioSignal(8000)), resample=False)
    assert "resample 8000 Hz -> 16000 Hz" in str(error.value)


def test_classify_errors_name_the_input(tmp_path: Path) -> None:
    from neuraltypes_collections.common import AudioError, InputError

    model = ClassificationModel(small_config()).eval()
    clip = torch.zeros(8000)
    with pytest.raises(InputError, match="classify: batch_size must be an integer >= 1, got 0"):
        model.classify(clip, batch_size=0)
    with pytest.raises(AudioError, match=r"missing.wav: no such file"):
        model.classify(str(tmp_path / "missing.wav"))
    with pytest.raises(AudioError, match=r"inputs\[1\]: 3 of 3 samples are NaN"):
        model.classify([clip, torch.full((3,), float("nan"))])
    frame_vad = FrameClassificationModel(FrameClassificationModelConfig())
    with pytest.raises(InputError, match="classify: parameter 'model' is a FrameClassificationModel"):
        cls.classify(frame_vad, clip)  # type: ignore[call-overload]


def test_clips_shorter_than_the_stft_window_are_classified() -> None:
    model = ClassificationModel(small_config()).eval()
    results = model.classify([torch.full((1,), 0.1), torch.full((10,), 0.1)], batch_size=2)
    assert len(results) == 2 and all(r.label in WORDS for r in results)


def test_archive_stores_labels_and_restores_exactly(tmp_path: Path) -> None:
    model = ClassificationModel(small_config(labels=("on", "off", "yes", "no"))).eval()
    model.save_to(tmp_path / "commands.nta")
    restored = ClassificationModel.restore_from(tmp_path / "commands.nta")
    assert restored.labels == ("on", "off", "yes", "no")  # YAML 1.1 booleans stay strings
    audio, lengths = torch.randn(2, 9000) * 0.1, torch.tensor([9000, 5000])
    with torch.no_grad():
        torch.testing.assert_close(restored(audio, lengths), model(audio, lengths), rtol=0, atol=0)
    assert isinstance(NeuralModel.restore_from(tmp_path / "commands.nta"), ClassificationModel)


def test_a_log_mel_classifier_restores_with_its_front_end(tmp_path: Path) -> None:
    config = small_config(
        preprocessor=MelConfig(n_mels=32), encoder=matchboxnet_encoder(1, 1, 16, feat_in=32)
    )
    ClassificationModel(config).save_to(tmp_path / "mel.nta")
    restored = ClassificationModel.restore_from(tmp_path / "mel.nta")
    assert restored.config == config and type(restored.preprocessor).__name__ == "MelFrontEnd"


def test_labeled_dataset_reads_windows_and_checks_labels(tmp_path: Path) -> None:
    entries = read_manifest(FIXTURES / "commands.jsonl", require_text=False)[:6]
    data = LabeledAudioDataset(entries, WORDS, 16000, cache=True)
    audio, label = data[1]
    assert label == WORDS.index(entries[1].extra["label"])
    assert audio.numel() == round(entries[1].duration * 16000)  # type: ignore[operator]
    batch = collate_audio_labels([data[0], data[1]])
    assert batch[0].shape == (2, int(batch[1].max())) and batch[2].tolist() == [data.targets[0], data.targets[1]]
    with pytest.raises(ValueError, match="has label 'yes', which is not one of the model's labels"):
        LabeledAudioDataset(entries, ("go", "stop"), 16000)


def test_training_step_returns_a_finite_loss_and_validation_metrics() -> None:
    model = ClassificationModel(small_config())
    batch = (torch.randn(3, 8000) * 0.1, torch.tensor([8000, 6000, 4000]), torch.tensor([0, 1, 2]))
    loss = model.train().training_step(batch, 0)
    loss.backward()
    assert torch.isfinite(loss) and model.decoder.projection.weight.grad is not None
    metrics = model.eval().validation_step(batch, 0)
    assert set(metrics) == {"loss", "accuracy"} and 0.0 <= float(metrics["accuracy"]) <= 1.0


def test_public_surface_is_explicit() -> None:
    assert sorted(cls.__all__) == sorted(set(cls.__all__))
    for name in cls.__all__:
        assert not name.startswith("_") and getattr(cls, name).__module__.startswith("neuraltypes_collections")
    assert {"ClassificationModel", "FrameClassificationModel", "classify"} <= set(cls.__all__)


def test_import_stays_light() -> None:
    code = (
        "import sys, neuraltypes_collections.asr.classification\n"
        "heavy = [m for m in ('lightning', 'hydra', 'omegaconf') if m in sys.modules]\n"
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_docstring_examples_run() -> None:
    import doctest

    from neuraltypes_collections.asr.classification import _augment, _classifier, _frame, _modules

    for module in (_augment, _classifier, _frame, _modules):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0 and result.attempted > 0, module.__name__


def test_frame_model_trains_on_per_step_targets() -> None:
    config = FrameClassificationModelConfig(
        preprocessor=MelConfig(window_length=400, n_mels=20, normalize=None, pad_to=2),
        encoder=matchboxnet_encoder(1, 1, 16, feat_in=20, first_stride=2, outer_channels=16),
    )
    model = FrameClassificationModel(config)
    audio = torch.randn(2, 8000) * 0.1
    lengths = torch.tensor([8000, 5000])
    targets = torch.zeros(2, 25, dtype=torch.long)
    targets[:, 10:] = 1
    loss = model.train().training_step((audio, lengths, targets), 0)
    loss.backward()
    assert torch.isfinite(loss) and model.decoder.projection.weight.grad is not None
    metrics = model.eval().validation_step((audio, lengths, targets), 0)
    assert set(metrics) == {"loss", "accuracy"}
    out = model(audio, lengths)
    assert out.logits.shape[:2] == (2, 26) and out.step_lengths.tolist() == [25, 16]
