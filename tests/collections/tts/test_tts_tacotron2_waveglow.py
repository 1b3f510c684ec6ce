"""Tacotron 2 and WaveGlow: few-step training on real speech, inference, invertibility and contracts."""

from pathlib import Path

import pytest
import torch
from neuraltypes_collections.common import read_audio, resample
from neuraltypes_collections.tts import (
    GriffinLim,
    GriffinLimConfig,
    MelConfig,
    MelFrontEnd,
    synthesize,
)
from neuraltypes_collections.tts._data import collate, make_examples, read_manifest
from test_tts_battery import tiny_tacotron2, tiny_waveglow

from neuraltypes.errors import ContractViolation

MANIFEST = Path(__file__).parent / "fixtures" / "real_speech" / "manifest.jsonl"


def _train(model: torch.nn.Module, batch: tuple[torch.Tensor, ...], steps: int, lr: float) -> list[float]:
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    losses = []
    for step in range(steps):
        loss = model.training_step(batch, step)  # type: ignore[operator]
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
    return losses


def test_tacotron2_trains_a_few_steps_and_speaks() -> None:
    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = tiny_tacotron2()
    examples = make_examples(read_manifest(MANIFEST)[:2], model.tokenizer.encode, MelFrontEnd(model.config.features))
    tokens, _, _, mel, frames = collate(examples, model.tokenizer.pad_id)
    mel = mel[..., :120]  # the first 1.4 s keep the test short
    frames = frames.clamp(max=120)
    lengths = (tokens != model.tokenizer.pad_id).sum(1)
    losses = _train(model, (tokens, lengths, mel, frames), steps=15, lr=3e-3)
    assert losses[-1] < 0.75 * losses[0], losses
    spectrogram = model.generate_spectrogram(model.parse("he was"))
    assert spectrogram.shape[:2] == (1, 80) and 1 <= spectrogram.shape[-1] <= model.config.tacotron2.max_decoder_steps
    speech = synthesize(model, "he was", vocoder=GriffinLim(GriffinLimConfig(n_iter=2)))
    assert speech.audio.shape[0] == spectrogram.shape[-1] * 256


def test_tacotron2_refuses_a_target_of_other_features() -> None:
    model = tiny_tacotron2().eval()
    front = MelFrontEnd(MelConfig.hifigan().with_(sample_rate=16000, n_mels=80, n_fft=512, window_length=400, hop_length=160))
    target, _ = front(torch.zeros(1, 1600), torch.tensor([1600]))
    with pytest.raises(ContractViolation, match="parameter 'target'"):
        model(torch.tensor([[3, 4]]), torch.tensor([2]), target)


def test_waveglow_is_invertible_and_trains() -> None:
    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = tiny_waveglow()
    audio, _ = read_audio(MANIFEST.parent / "audio" / "sense_and_sensibility_01_austen_64kb-0930.wav", 22050)
    segments = resample(torch.stack([audio[11025 : 11025 + 4096], audio[30000 : 30000 + 4096]]), 22050, 22050)
    batch = (segments, torch.tensor([4096, 4096]))
    losses = _train(model, batch, steps=10, lr=1e-3)
    assert losses[-1] < losses[0] - 0.25, losses  # nats per sample

    model.eval()
    mel, _ = model.spectrogram(*batch)
    with torch.no_grad():
        latent = model.waveglow.encode(segments[:, : mel.shape[-1] * 256], mel)
        rebuilt = model.waveglow.decode(latent.z, model.waveglow._condition(mel))
    torch.testing.assert_close(rebuilt, segments[:, : mel.shape[-1] * 256], atol=1e-4, rtol=0)
    first, second = model.convert_spectrogram_to_audio(mel), model.convert_spectrogram_to_audio(mel)
    assert torch.equal(first, second)  # seeded synthesis
    assert first.shape == (2, mel.shape[-1] * 256)


def test_waveglow_refuses_16k_64_mel() -> None:
    model = tiny_waveglow().eval()
    front = MelFrontEnd(MelConfig.hifigan().with_(sample_rate=16000, n_mels=64, n_fft=512, window_length=400, hop_length=160))
    mel, _ = front(torch.zeros(1, 1600), torch.tensor([1600]))
    with pytest.raises(ContractViolation, match="sample_rate=22050"):
        model.convert_spectrogram_to_audio(mel)
