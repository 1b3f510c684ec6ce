"""`synthesize(text) -> audio`: a spectrogram generator followed by a vocoder, checked end to end."""

from __future__ import annotations

import os
from typing import Protocol

from torch import Tensor

from ..common._archive import atomic_output


class SpectrogramGenerator(Protocol):
    """What `synthesize` needs from a text-to-spectrogram model (e.g. `FastPitchModel`)."""

    def parse(self, text: str, normalize: bool | None = None) -> Tensor: ...

    def generate_spectrogram(self, tokens: Tensor, pace: float = 1.0) -> Tensor: ...


class Vocoder(Protocol):
    """What `synthesize` needs from a vocoder (`HifiGan`, `GriffinLim`)."""

    sample_rate: int

    def convert_spectrogram_to_audio(self, mel: Tensor) -> Tensor: ...


def synthesize(
    text: str,
    generator: SpectrogramGenerator,
    vocoder: Vocoder,
    *,
    pace: float = 1.0,
    return_spectrogram: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """Speak `text`: normalise and tokenize it, generate a log-mel spectrogram, vocode it.

    The spectrogram leaves the generator tagged with its sample rate, mel channels and hop; the vocoder checks
    the tag, so a generator and a vocoder built for different features raise a `ContractViolation` naming both
    instead of producing noise.

    **Arguments:**

    - `text`: the sentence(s) to say.
    - `generator`: a spectrogram generator (`FastPitchModel`).
    - `vocoder`: a vocoder (`HifiGan`, `GriffinLim`).
    - `pace`: speaking rate (> 1 is faster).
    - `return_spectrogram`: also return the (mel, frame) spectrogram.

    **Returns:** the waveform, shape (time,), at `vocoder.sample_rate` (and the spectrogram when asked).
    """
    tokens = generator.parse(text)
    mel = generator.generate_spectrogram(tokens, pace=pace)
    audio = vocoder.convert_spectrogram_to_audio(mel)[0]
    return (audio, mel[0]) if return_spectrogram else audio


def save_spectrogram_png(path: str | os.PathLike[str], mel: Tensor, title: str = "") -> None:
    """Draw a (mel, frame) log-mel spectrogram to a PNG (needs matplotlib), written atomically."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ModuleNotFoundError as error:  # pragma: no cover - depends on the environment
        raise ModuleNotFoundError("writing a spectrogram PNG needs matplotlib: pip install matplotlib") from error
    figure, axis = plt.subplots(figsize=(10, 3.5))
    image = axis.imshow(mel.detach().cpu().float().numpy(), origin="lower", aspect="auto", interpolation="none")
    axis.set_xlabel("frame")
    axis.set_ylabel("mel channel")
    if title:
        axis.set_title(title)
    figure.colorbar(image, ax=axis, label="log amplitude")
    figure.tight_layout()
    try:
        with atomic_output(path, suffix=".png") as file:
            figure.savefig(file, format="png", dpi=100)
    finally:
        plt.close(figure)


__all__ = ["SpectrogramGenerator", "Vocoder", "save_spectrogram_png", "synthesize"]
