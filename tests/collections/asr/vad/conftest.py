"""Shared fixtures for the VAD tests: the real-speech clips and the original TorchScript Silero VAD as reference."""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from neuraltypes_collections.asr.vad import silero_weights_file
from neuraltypes_collections.common import read_audio

FIXTURES = Path(__file__).parent / "fixtures"
CLIPS = sorted(FIXTURES.glob("sense_and_sensibility_*.wav"))


@pytest.fixture(autouse=True)
def one_thread() -> Iterator[None]:
    """Chunk-by-chunk TorchScript calls slow down tenfold when two threads fight over shared cores."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def torchscript_vad() -> torch.jit.ScriptModule:
    """The wheel's original TorchScript model (the reference every parity test compares with)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return torch.jit.load(str(silero_weights_file("torchscript")), map_location="cpu")


def _reference_probs(
    scripted: torch.jit.ScriptModule, waveform: torch.Tensor, sample_rate: int
) -> torch.Tensor:
    """The original model's per-chunk probabilities, streamed chunk by chunk the way Silero's utilities do."""
    chunk = 512 if sample_rate == 16000 else 256
    num_chunks = -(-waveform.numel() // chunk)
    padded = F.pad(waveform, (0, num_chunks * chunk - waveform.numel()))
    scripted.reset_states()
    with torch.no_grad():
        return torch.tensor(
            [scripted(padded[i * chunk : (i + 1) * chunk], sample_rate).item() for i in range(num_chunks)]
        )


@pytest.fixture(scope="session")
def reference_probs(torchscript_vad: torch.jit.ScriptModule) -> Callable[[torch.Tensor, int], torch.Tensor]:
    """`reference_probs(waveform, sample_rate)`: the original model's per-chunk probabilities."""
    cache: dict[tuple[str, int], torch.Tensor] = {}

    def probs(waveform: torch.Tensor, sample_rate: int) -> torch.Tensor:
        key = (hashlib.sha1(waveform.contiguous().numpy().tobytes()).hexdigest(), sample_rate)
        if key not in cache:
            cache[key] = _reference_probs(torchscript_vad, waveform, sample_rate)
        return cache[key]

    return probs


@pytest.fixture(scope="session")
def torchscript_probs() -> Callable[[torch.jit.ScriptModule, torch.Tensor, int], torch.Tensor]:
    """`torchscript_probs(scripted, waveform, sample_rate)`, for a TorchScript model other than the wheel's."""
    return _reference_probs


@pytest.fixture(scope="session")
def clip_paths() -> list[Path]:
    """Paths of the five real clips (16 kHz mono WAV)."""
    return CLIPS


@pytest.fixture(scope="session")
def clips() -> list[tuple[str, torch.Tensor]]:
    """(name, 16 kHz waveform) of the five real clips."""
    assert len(CLIPS) == 5, f"expected 5 real-speech clips in {FIXTURES}, found {len(CLIPS)}"
    loaded = []
    for path in CLIPS:
        waveform, rate = read_audio(path)
        assert rate == 16000, f"{path}: expected 16000 Hz, got {rate}"
        loaded.append((path.name, waveform))
    return loaded
