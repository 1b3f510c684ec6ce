"""Griffin-Lim, synthesize() end to end, and the contract between spectrogram generators and vocoders."""

from pathlib import Path

import pytest
import torch
from neuraltypes_collections.common import NeuralModel
from neuraltypes_collections.tts import (
    FastPitchModel,
    GriffinLim,
    GriffinLimConfig,
    MelConfig,
    read_wav,
    resample,
    synthesize,
    write_wav,
)

from neuraltypes.errors import ContractViolation

FIXTURES = Path(__file__).parent / "fixtures"
CLIP = FIXTURES / "real_speech" / "audio" / "sense_and_sensibility_01_austen_64kb-0930.wav"


@pytest.fixture(scope="module")
def fastpitch() -> FastPitchModel:
    torch.set_num_threads(1)
    model = NeuralModel.restore_from(FIXTURES / "fastpitch_small" / "model.nemo")
    assert isinstance(model, FastPitchModel)
    return model


def test_griffin_lim_reconstructs_real_speech_spectrogram() -> None:
    audio, rate = read_wav(CLIP)
    audio = resample(audio[: rate // 2 * 3], rate, 22050)[None]
    vocoder = GriffinLim(GriffinLimConfig(n_iter=32))
    mel, frames = vocoder.spectrogram(audio, torch.tensor([audio.shape[-1]]))
    rebuilt = vocoder.convert_spectrogram_to_audio(mel)
    assert rebuilt.shape == (1, mel.shape[-1] * 256)
    again, _ = vocoder.spectrogram(rebuilt, torch.tensor([rebuilt.shape[-1]]))
    n = int(frames[0]) - 4
    error = (again[..., 2:n] - mel[..., 2:n]).abs().mean()
    silence = (mel[..., 2:n] - mel[..., 2:n].mean()).abs().mean()
    assert error < 0.35 * silence, f"mean log-mel error {error:.3f} vs spread {silence:.3f}"


def test_synthesize_with_fastpitch_and_griffin_lim(fastpitch: FastPitchModel, tmp_path: Path) -> None:
    vocoder = GriffinLim(GriffinLimConfig(n_iter=4))
    audio, mel = synthesize("Hello world, 2 tests.", fastpitch, vocoder, return_spectrogram=True)
    assert audio.dim() == 1 and audio.shape[0] == mel.shape[-1] * 256
    write_wav(tmp_path / "out.wav", audio, vocoder.sample_rate)
    back, rate = read_wav(tmp_path / "out.wav")
    assert rate == 22050 and back.shape == audio.shape
    torch.testing.assert_close(back, audio.clamp(-1, 1), atol=1e-4, rtol=0)


def test_synthesize_refuses_mismatched_vocoder(fastpitch: FastPitchModel) -> None:
    features_16k = MelConfig(sample_rate=16000, n_mels=64, n_fft=512, win_length=400, hop_length=160)
    vocoder = GriffinLim(GriffinLimConfig(features=features_16k, n_iter=2))
    with pytest.raises(ContractViolation, match="GriffinLim.forward: parameter 'mel'") as info:
        synthesize("Hello.", fastpitch, vocoder)
    message = str(info.value)
    assert "sample_rate=22050" in message and "n_mels=80" in message  # what FastPitch produced
    assert "sample_rate=16000" in message and "n_mels=64" in message  # what this vocoder expects


def test_spectrogram_png(fastpitch: FastPitchModel, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason="matplotlib draws the optional spectrogram PNG")
    from neuraltypes_collections.tts import save_spectrogram_png

    save_spectrogram_png(tmp_path / "mel.png", fastpitch.generate_spectrogram(fastpitch.parse("Hi."))[0], "hi")
    assert (tmp_path / "mel.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
