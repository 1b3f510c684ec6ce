"""CPU training: a small QuartzNet on a slice of speech-mini halves its CTC loss, and its archive transcribes the same."""

from __future__ import annotations

from pathlib import Path

import torch
from neuraltypes_collections.asr import (
    ConvASREncoderConfig,
    CTCModel,
    CTCModelConfig,
    JasperBlockConfig,
    SpecAugmentConfig,
    cer,
    read_manifest,
)
from neuraltypes_collections.asr._data import AudioAugmentConfig, AudioTextDataset, collate_audio_text
from neuraltypes_collections.common import NeuralModel

SPEECH = Path(__file__).parent / "fixtures" / "speech"


def _small_quartznet() -> CTCModel:
    block = JasperBlockConfig
    encoder = ConvASREncoderConfig(
        64,
        (
            block(64, kernel=11, stride=2, separable=True),
            block(64, kernel=13, residual=True, separable=True),
            block(96, kernel=15, residual=True, separable=True),
            block(128, kernel=1),
        ),
    )
    return CTCModel(CTCModelConfig(encoder=encoder, spec_augment=SpecAugmentConfig(rect_masks=1, rect_time=5, rect_freq=5)))


def test_small_quartznet_learns_and_round_trips(tmp_path: Path) -> None:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        torch.manual_seed(0)
        model = _small_quartznet()
        entries = read_manifest(SPEECH / "train.jsonl")
        dataset = AudioTextDataset(entries, model.tokenizer, model.sample_rate, cache=True)
        loader = torch.utils.data.DataLoader(
            dataset, batch_size=8, shuffle=True, collate_fn=collate_audio_text, generator=torch.Generator().manual_seed(0)
        )
        optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
        epoch_losses = []
        model.train()
        for _ in range(50):
            total = 0.0
            for index, batch in enumerate(loader):
                loss = model.training_step(batch, index)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                total += loss.item()
            epoch_losses.append(total / len(loader))
    finally:
        torch.set_num_threads(threads)

    assert epoch_losses[-1] <= 0.5 * epoch_losses[0], epoch_losses
    paths = [str(e.audio_filepath) for e in entries]
    before = [result.text for result in model.transcribe(paths, batch_size=8)]
    assert model.training, "transcribe must give the model back in training mode"
    assert cer([e.text or "" for e in entries], before).rate < 0.3, before

    model.save_to(tmp_path / "quartznet.nta")
    restored = NeuralModel.restore_from(tmp_path / "quartznet.nta")
    assert isinstance(restored, CTCModel)
    assert [result.text for result in restored.transcribe(paths, batch_size=8)] == before


def test_waveform_augmentation_changes_length_and_keeps_it_finite() -> None:
    import random

    from neuraltypes_collections.asr._data import augment_waveform

    audio = torch.sin(torch.arange(16000) / 10.0)
    faster = augment_waveform(audio, AudioAugmentConfig(speed_factors=(1.1,)), random.Random(0))
    assert abs(faster.shape[0] - round(16000 / 1.1)) <= 1
    noisy = augment_waveform(audio, AudioAugmentConfig(noise_probability=1.0, noise_snr_db=(10.0, 10.0)), random.Random(0))
    snr = 10 * torch.log10(audio.pow(2).mean() / (noisy - audio).pow(2).mean())
    assert abs(snr.item() - 10.0) < 1.0
