"""Whisper's log-mel features of a long recording, one 30 s window at a time, so that memory does not grow with
the recording's length.

The features of a whole recording (`WhisperFrontEnd.mel_frames`: one hop of zeros appended, reflection at both
ends, log10 values more than 8 below the recording's peak raised to it) are reproduced window by window: a
window's frames are computed from its own samples and the 200 around them (reflected at the recording's ends, as
the whole-recording STFT reflects them), and the peak is found beforehand in one pass over the recording in
windows. Only the audio itself and one window's features are held; the features of a 15-minute recording
would be 29 MB, and their computation's temporaries several times that.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from ...common._mel import WHISPER_DYNAMIC_RANGE, log_mel_spectrogram
from ._modules import WhisperFrontEnd

__all__ = ["WindowedFeatures"]


class WindowedFeatures:
    """The log-mel features of one recording, computed a window at a time.

    **Arguments:**

    - `front_end`: the model's `WhisperFrontEnd`.
    - `audio`: the mono recording `(time,)` at 16 kHz.
    - `chunk_frames`: frames computed at once (one window's, 3000, by default).
    """

    def __init__(self, front_end: WhisperFrontEnd, audio: Tensor, chunk_frames: int = 3000) -> None:
        mel = front_end.mel
        self._config = mel.config.with_(normalize=None)
        self._window, self._filterbank = mel.window, mel.filterbank
        self._hop, self._half = mel.config.hop_length, mel.config.n_fft // 2
        self.audio = audio.float()
        length = audio.shape[0]
        self._padded_length = length + max(self._hop, self._half + 1 - length)  # the zeros `mel_frames` appends
        all_frames = 1 + self._padded_length // self._hop
        #: Frames of the recording (`mel_frames`' count).
        counted = length // self._hop + (0 if mel.config.drop_last_frame else 1)  # `log_mel_spectrogram`'s count
        self.content_frames = max(0, min(counted, all_frames))
        peak_frames = min(self.content_frames + 1, all_frames)
        self._chunk = chunk_frames
        self._peak = max(
            float(self._log_mel(start, min(start + chunk_frames, peak_frames)).amax())
            for start in range(0, peak_frames, chunk_frames)
        )

    def _samples(self, first: int, stop: int) -> Tensor:
        """Samples `first` to `stop` of the recording with its appended zeros, reflected beyond its ends."""
        positions = torch.arange(first, stop, device=self.audio.device)
        last = self._padded_length - 1
        positions = positions.remainder(2 * last)  # reflected once (the frames kept), or again (frames dropped)
        positions = torch.where(positions > last, 2 * last - positions, positions)
        inside = positions < self.audio.shape[0]
        values = self.audio[positions.clamp(max=self.audio.shape[0] - 1)]
        return torch.where(inside, values, torch.zeros((), device=values.device))

    def _log_mel(self, start: int, stop: int) -> Tensor:
        """log10 mel energies `(mel, frame)` of frames `start` to `stop`.

        The samples from two hops before the first frame's centre to a hop and a half-window after the last one's
        are framed as a clip of their own (reflected at its edges); its first two and last frames, the ones the
        reflection reaches, are dropped."""
        samples = self._samples((start - 2) * self._hop, (stop + 1) * self._hop + self._half)
        count = torch.tensor([samples.shape[0]], device=samples.device)
        features, _ = log_mel_spectrogram(samples[None], count, self._config, window=self._window,
                                          filterbank=self._filterbank, exact=False)  # fmt: skip
        return features[0, :, 2 : 2 + stop - start] / math.log(10.0)

    def frames(self, start: int, stop: int) -> Tensor:
        """The normalised features `(mel, frame)` of frames `start` to `stop` (at most `content_frames`)."""
        stop = min(stop, self.content_frames)
        if stop <= start:
            return self.audio.new_zeros(self._filterbank.shape[0], 0)
        log10 = self._log_mel(start, stop)
        return (torch.maximum(log10, torch.tensor(self._peak - WHISPER_DYNAMIC_RANGE)) + 4.0) / 4.0
