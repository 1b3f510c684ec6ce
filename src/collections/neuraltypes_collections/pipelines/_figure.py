"""The voice-swap picture: each recording's waveform and spectrogram, its words placed by their times and its
pauses (quiet stretches of the waveform) marked, on one time scale, so that the raw and the punctuated speech can be
compared side by side."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from ._words import Word

__all__ = ["Track", "pauses", "save_voice_swap_png"]

#: A stretch at least this long whose 10 ms frames are all quieter than `QUIET` is a pause.
PAUSE_S = 0.1
#: Quiet: below this fraction of the loudness (RMS) that 95 % of the recording's frames stay under.
QUIET = 0.03


@dataclass(frozen=True, eq=False)
class Track:
    """One recording of the picture: a title, its samples ``(time,)`` and rate, and its words (or ``None``)."""

    title: str
    audio: Tensor
    sample_rate: int
    words: tuple[Word, ...] | None


def pauses(audio: Tensor, sample_rate: int, minimum_s: float = PAUSE_S) -> list[tuple[float, float]]:
    """The pauses inside `audio` ``(time,)``, as ``(start_s, end_s)``: stretches of at least `minimum_s` seconds
    whose 10 ms frames are all quiet (below `QUIET` of the 95th percentile of the frames' RMS); the silence before
    the first sound and after the last is not a pause."""
    frame = max(sample_rate // 100, 1)
    count = audio.numel() // frame
    if count < 2:
        return []
    rms = audio[: count * frame].detach().float().reshape(count, frame).pow(2).mean(dim=1).sqrt()
    quiet = (rms < QUIET * torch.quantile(rms, 0.95)).tolist()
    found: list[tuple[float, float]] = []
    start: int | None = None
    for index, still in enumerate([*quiet, False]):
        if still and start is None:
            start = index
        elif not still and start is not None:
            if start > 0 and index < count and (index - start) / 100 >= minimum_s:
                found.append((start * frame / sample_rate, index * frame / sample_rate))
            start = None
    return found


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
        peak = float(abs(samples).max()) if samples.size else 0.0
        shown = samples / peak if peak > 0 else samples
        times = [index / track.sample_rate for index in range(0, samples.size, 8)]
        wave_axis.plot(times, shown[::8], linewidth=0.4, color="#335")
        wave_axis.set_xlim(0, span)
        wave_axis.set_ylim(-1, 1)
        wave_axis.set_yticks([])
        wave_axis.set_xticks([])
        trimmed = f" (first {span:.0f} s)" if track.audio.numel() / track.sample_rate > span else ""
        wave_axis.set_title(track.title + trimmed, loc="left", fontsize=10)
        words = [word for word in (track.words or ()) if word.start_s < span]
        for start, end in pauses(track.audio[: int(span * track.sample_rate)], track.sample_rate):
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
