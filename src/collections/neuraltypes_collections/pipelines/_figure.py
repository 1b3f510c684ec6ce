"""The voice-swap picture: each recording's waveform and spectrogram, its words placed by their times and its
pauses marked, on one time scale, so that the raw and the punctuated speech can be compared side by side."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from torch import Tensor

from ._words import Word

__all__ = ["Track", "pauses", "save_voice_swap_png"]

#: A gap between two words at least this long is drawn as a pause.
PAUSE_S = 0.12


@dataclass(frozen=True, eq=False)
class Track:
    """One recording of the picture: a title, its samples ``(time,)`` and rate, and its words (or ``None``)."""

    title: str
    audio: Tensor
    sample_rate: int
    words: tuple[Word, ...] | None


def pauses(words: Sequence[Word], minimum_s: float = PAUSE_S) -> list[tuple[float, float]]:
    """The gaps of at least `minimum_s` seconds between consecutive words, as ``(start_s, end_s)``."""
    return [(a.end_s, b.start_s) for a, b in zip(words, words[1:], strict=False) if b.start_s - a.end_s >= minimum_s]


def save_voice_swap_png(path: str | os.PathLike[str], tracks: Sequence[Track], *, max_s: float = 20.0) -> None:
    """Draw `tracks` one under the other (waveform with words and pauses, then spectrogram) on one time scale of
    at most `max_s` seconds, to a PNG written atomically (needs matplotlib, in the ``collections`` extra)."""
    from ..common._archive import atomic_output
    from ..common._errors import ModelNotAvailableError

    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ModuleNotFoundError:  # pragma: no cover - depends on the environment
        raise ModelNotAvailableError(
            "save_voice_swap_png: the picture needs matplotlib: pip install 'neuraltypes[collections]'"
        ) from None
    span = min(max_s, max(track.audio.numel() / track.sample_rate for track in tracks))
    figure, axes = plt.subplots(2 * len(tracks), 1, figsize=(12, 2.6 * len(tracks)), dpi=72,
                                gridspec_kw={"height_ratios": [1, 1.3] * len(tracks)})  # fmt: skip
    for row, track in enumerate(tracks):
        wave_axis, spectrum_axis = axes[2 * row], axes[2 * row + 1]
        samples = track.audio.detach().float().cpu().numpy()[: int(span * track.sample_rate)]
        times = [index / track.sample_rate for index in range(0, samples.size, 8)]
        wave_axis.plot(times, samples[::8], linewidth=0.4, color="#335")
        wave_axis.set_xlim(0, span)
        wave_axis.set_ylim(-1, 1)
        wave_axis.set_yticks([])
        wave_axis.set_xticks([])
        trimmed = " (first {:.0f} s)".format(span) if track.audio.numel() / track.sample_rate > span else ""
        wave_axis.set_title(track.title + trimmed, loc="left", fontsize=10)
        words = [word for word in (track.words or ()) if word.start_s < span]
        for start, end in pauses(words):
            for axis in (wave_axis, spectrum_axis):
                axis.axvspan(start, end, color="#f90", alpha=0.35, linewidth=0)
            wave_axis.text((start + end) / 2, -0.95, f"{(end - start) * 1000:.0f} ms", ha="center", fontsize=7,
                           color="#a50")  # fmt: skip
        for index, word in enumerate(words):
            wave_axis.axvline(word.start_s, color="#999", linewidth=0.5)
            height = 0.75 if index % 2 == 0 else 0.5
            wave_axis.text(word.start_s + 0.01, height, word.text, fontsize=8, clip_on=True)
        if samples.size > 512:
            spectrum_axis.specgram(samples, NFFT=512, Fs=track.sample_rate, noverlap=384, cmap="magma")
        spectrum_axis.set_xlim(0, span)
        spectrum_axis.set_ylim(0, 8000)
        spectrum_axis.set_ylabel("Hz", fontsize=8)
        spectrum_axis.tick_params(labelsize=7)
    axes[-1].set_xlabel("seconds")
    figure.tight_layout()
    try:
        with atomic_output(path, suffix=".png") as file:
            figure.savefig(file, format="png")
    finally:
        plt.close(figure)
