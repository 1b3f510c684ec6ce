"""Parity of the typed Silero VAD with the wheel's TorchScript original, streaming and offline, 16 and 8 kHz."""

from __future__ import annotations

import importlib.metadata
import warnings

import pytest
import torch
from neuraltypes_collections.asr.vad import (
    SileroVad,
    SileroVadDimensions,
    _segments,
    _weights,
    hann_dft_basis,
    load_silero_vad,
    silero_weights_file,
    speech_probs_of,
)
from neuraltypes_collections.common import InputError, ModelNotAvailableError

TOLERANCE = 1e-4


@pytest.fixture(scope="module")
def model_16k() -> SileroVad:
    return load_silero_vad(16000)


def _stream(model: SileroVad, waveform: torch.Tensor) -> torch.Tensor:
    """Probabilities from `SileroVad.forward`, one chunk at a time, the state carried by hand."""
    chunk = model.dims.chunk_samples
    padded = torch.nn.functional.pad(waveform, (0, (-waveform.numel()) % chunk))
    state: tuple[torch.Tensor, ...] = ()
    probs = []
    with torch.no_grad():
        for first in range(0, padded.numel(), chunk):
            step = model(padded[first : first + chunk][None], *state)
            state = (step.context, step.hidden, step.cell)
            probs.append(step.probs)
    return torch.cat(probs)


def test_offline_probs_match_torchscript_on_real_speech(model_16k, clips, reference_probs) -> None:
    for name, waveform in clips:
        expected = reference_probs(waveform, 16000)
        with torch.no_grad():
            probs, frames = model_16k.speech_probs(waveform[None])
        assert frames.tolist() == [expected.numel()], name
        error = (probs[0] - expected).abs().max().item()
        assert error < TOLERANCE, f"{name}: max |ours - torchscript| = {error:.2e}"
        assert expected.max() > 0.99 and expected.min() < 0.1, (
            f"{name}: the clip should hold speech and silence"
        )


def test_streaming_state_carried_across_chunks_matches_torchscript(model_16k, clips, reference_probs) -> None:
    for name, waveform in clips[:2]:
        error = (_stream(model_16k, waveform) - reference_probs(waveform, 16000)).abs().max().item()
        assert error < TOLERANCE, f"{name}: max |ours - torchscript| = {error:.2e}"


def test_dropping_the_state_changes_the_probabilities(model_16k, clips) -> None:
    """The carried context and LSTM state matter: restarting every chunk gives other numbers."""
    _, waveform = clips[1]
    chunks = torch.nn.functional.pad(waveform, (0, (-waveform.numel()) % 512)).reshape(-1, 512)
    with torch.no_grad():
        stateless = model_16k(chunks).probs  # every chunk as a first chunk
    assert (stateless - _stream(model_16k, waveform)).abs().max() > 0.1


def test_8k_model_matches_torchscript(clips, reference_probs) -> None:
    model = load_silero_vad(8000)
    assert model.dims == SileroVadDimensions.for_sample_rate(8000)
    for name, waveform in clips[:2]:
        decimated = waveform[::2].contiguous()  # any 8 kHz signal will do for parity
        with torch.no_grad():
            probs = model.speech_probs(decimated[None])[0][0]
        error = (probs - reference_probs(decimated, 8000)).abs().max().item()
        assert error < TOLERANCE, f"{name} at 8 kHz: max |ours - torchscript| = {error:.2e}"
        assert (_stream(model, decimated) - probs).abs().max() < TOLERANCE


def test_batch_with_padding_equals_items_one_by_one(model_16k, clips) -> None:
    waveforms = [waveform for _, waveform in clips[:3]]
    lengths = torch.tensor([w.numel() for w in waveforms])
    batch = torch.nn.utils.rnn.pad_sequence(waveforms, batch_first=True)
    with torch.no_grad():
        probs, frames = model_16k.speech_probs(batch, lengths)
        for row, (waveform, count) in enumerate(zip(waveforms, frames.tolist(), strict=True)):
            alone = model_16k.speech_probs(waveform[None])[0][0]
            assert count == alone.numel()
            assert (probs[row, :count] - alone).abs().max() < 1e-5


def test_long_audio_in_blocks_equals_one_pass(model_16k, clips, monkeypatch) -> None:
    waveform = torch.cat([w for _, w in clips[:2]])
    whole = speech_probs_of(model_16k, waveform)
    monkeypatch.setattr(
        _segments, "_ENCODER_BLOCK_CHUNKS", 7
    )  # forces the blocked path, with a ragged last block
    blocked = speech_probs_of(model_16k, waveform)
    assert blocked.shape == whole.shape
    assert (blocked - whole).abs().max() < 1e-5


def test_stft_front_end_is_a_hann_dft(model_16k) -> None:
    """The front end has no learned weights: its basis is computed, and equals an FFT of Hann-windowed frames."""
    frames = torch.randn(3, 256, dtype=torch.float64)
    window = torch.hann_window(256, periodic=True, dtype=torch.float64)
    spectrum = torch.fft.rfft(frames * window)
    basis = hann_dft_basis(256).double()[:, 0]
    ours = frames @ basis.T
    assert torch.allclose(ours[:, :129], spectrum.real, atol=1e-3)
    assert torch.allclose(ours[:, 129:], spectrum.imag, atol=1e-3)
    assert "front_end.basis" not in model_16k.state_dict()


def test_safetensors_weights_run_the_same_architecture(clips, torchscript_probs) -> None:
    """The wheel's safetensors hold other weights than its TorchScript model (silero-vad 6.2.x). Swapping them into
    the TorchScript graph shows that our modules compute the original architecture for those weights too."""
    ours = load_silero_vad(16000, weights="safetensors")
    default = load_silero_vad(16000)
    differences = [
        (a - b).abs().max().item() for a, b in zip(ours.parameters(), default.parameters(), strict=True)
    ]
    assert max(differences) > 1.0, "the two weight files are expected to differ (see _weights.py)"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        scripted = torch.jit.load(str(silero_weights_file("torchscript")), map_location="cpu")
    inverse = {ours_key: key for key, ours_key in _weights._TORCHSCRIPT_KEYS.items()}
    with torch.no_grad():
        for key, value in ours.state_dict().items():
            target = scripted._model.state_dict()[inverse[key]]
            target.copy_(value.reshape(target.shape))
    for name, waveform in clips[:2]:
        with torch.no_grad():
            probs = ours.speech_probs(waveform[None])[0][0]
        error = (probs - torchscript_probs(scripted, waveform, 16000)).abs().max().item()
        assert error < TOLERANCE, f"{name}: max |ours - torchscript with safetensors weights| = {error:.2e}"


def test_wrong_chunk_length_is_explained(model_16k) -> None:
    with pytest.raises(
        ValueError, match=r"parameter 'chunk' has 400 samples.*exactly 512 samples.*speech_probs"
    ):
        model_16k(torch.zeros(1, 400))


def test_partial_state_is_rejected(model_16k) -> None:
    step = model_16k(torch.zeros(1, 512))
    with pytest.raises(ValueError, match="all of 'context', 'hidden' and 'cell'"):
        model_16k(torch.zeros(1, 512), step.context, step.hidden)


def test_unsupported_sample_rate_names_a_fix() -> None:
    with pytest.raises(InputError, match=r"16000 and 8000 Hz.*not 44100 Hz.*resample"):
        load_silero_vad(44100)
    with pytest.raises(InputError, match="only the 16000 Hz model"):
        load_silero_vad(8000, weights="safetensors")


def test_missing_extra_is_one_clear_line(monkeypatch) -> None:
    def not_installed(name: str) -> None:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "distribution", not_installed)
    with pytest.raises(ModelNotAvailableError, match=r"optional package 'silero-vad'.*pip install") as caught:
        load_silero_vad()
    assert "\n" not in str(caught.value) and caught.value.code == "NT305"


def test_random_init_model_runs_any_length() -> None:
    model = SileroVad().eval()
    probs, frames = model.speech_probs(torch.zeros(2, 1000), torch.tensor([1000, 10]))
    assert probs.shape == (2, 2) and frames.tolist() == [2, 1]
    assert ((probs >= 0) & (probs <= 1)).all()
    empty, none = model.speech_probs(torch.zeros(1, 0))
    assert empty.shape == (1, 0) and none.tolist() == [0]
