"""The tag vocabulary: every NeMo element type under a readable name, in NeMo's parent order.

The public homes are `neuraltypes.tags` (the one list of names) and `neuraltypes`; ``Void`` lives with `Tag` in `_tags`.

NeMo's own names are aliases in `neuraltypes.nemo_compat`. Parameters are in the units their names say
(`sample_rate` in Hz, `hop_length` in samples).
"""

from __future__ import annotations

import torch

from ._tags import BOOL, FLOATING, INTEGER, NUMERIC, Tag


def _below(value: torch.Tensor, limit: float, what: str) -> str | None:
    if value.numel() and bool((value > limit).any()):
        return f"{what} (max {float(value.max()):.4g})"
    return None


def _negative(value: torch.Tensor, what: str) -> str | None:
    if value.numel() and not value.dtype.is_floating_point and bool((value < 0).any()):
        return f"{what} (min {int(value.min())})"
    return None


class AudioSignal(Tag, params=("sample_rate",), dtypes=FLOATING, aliases={"freq": "sample_rate"}):
    """A waveform. `sample_rate` in Hz (``freq=`` also names it, as in NeMo)."""


class VideoSignal(Tag, params=("fps",), dtypes=NUMERIC):
    """Video frames. `fps` in frames per second."""


class BoolValue(Tag, dtypes=BOOL):
    """Boolean values."""


class FloatValue(Tag, dtypes=FLOATING):
    """Real values with no further meaning."""


class Index(Tag, dtypes=INTEGER):
    """Positions into another tensor."""

    def invariant(self, value: torch.Tensor) -> str | None:
        return _negative(value, "indices must be >= 0")


class Lengths(Tag, dtypes=INTEGER):
    """Valid lengths of padded sequences, one per batch item, in the unit of the time axis they describe."""

    def invariant(self, value: torch.Tensor) -> str | None:
        return _negative(value, "lengths must be >= 0")


class Logits(Tag, dtypes=FLOATING):
    """Unnormalised scores."""


class LogProbs(Tag, dtypes=FLOATING):
    """Log-probabilities (<= 0)."""

    def invariant(self, value: torch.Tensor) -> str | None:
        return _below(value, 1e-4, "log-probabilities must be <= 0; logits given? apply log_softmax")


class Probs(Tag, dtypes=FLOATING):
    """Probabilities in [0, 1]."""

    def invariant(self, value: torch.Tensor) -> str | None:
        if value.numel() and bool(((value < -1e-6) | (value > 1 + 1e-6)).any()):
            return f"probabilities must lie in [0, 1] (min {float(value.min()):.4g}, max {float(value.max()):.4g})"
        return None


class Loss(Tag, dtypes=FLOATING):
    """A loss value: a scalar (shape ``""``), or one per batch item (``batch``) before reduction.

    A model's ``loss`` method returns it; lower is better.
    """


class LogDeterminant(Tag, dtypes=FLOATING):
    """Log-determinant of a Jacobian (normalising flows)."""


class NormalMean(Tag, dtypes=FLOATING):
    """Mean of a normal distribution, e.g. what a variational encoder predicts.

    Its partner `NormalLogVariance` has the same shape; `NormalSamples` are drawn from the two.
    """


class NormalLogVariance(Tag, dtypes=FLOATING):
    """Log-variance of a normal distribution."""


class Alignment(Tag, dtypes=NUMERIC):
    """A sequence-to-sequence alignment, soft (attention weights) or hard (a 0/1 path).

    The shape names both sequences, e.g. ``batch frame token``: which input token each output frame attends to.
    """


class TokenDuration(Tag, dtypes=NUMERIC):
    """Duration of each token, in output frames."""


class TokenLogDuration(Tag, dtypes=FLOATING):
    """Log-duration of each token."""


class Channel(Tag, dtypes=FLOATING):
    """A channel of features: the hidden activations of a layer, ``batch channel time`` in a convolutional network.

    Untyped features between two stages of one model; use a more specific child where one fits.
    """


class EmbeddedText(Channel):
    """Embedded text tokens."""


class Encoded(Tag, dtypes=FLOATING):
    """A learned encoding."""


class AcousticEncoded(Encoded):
    """An encoding of audio produced by an acoustic encoder."""


class Spectrogram(Tag, params=("sample_rate", "hop_length"), dtypes=FLOATING):
    """A time-frequency representation of audio. `sample_rate` in Hz, `hop_length` in samples."""


class MelSpectrogram(Spectrogram, params=("n_mels",), axes={"n_mels": "mel"}):
    """A (usually log) mel-scale spectrogram with `n_mels` bands (`n_mels` fixes the size of an axis named ``mel``)."""


class MFCC(Spectrogram, params=("n_mfcc",), axes={"n_mfcc": "mfcc"}):
    """Mel-frequency cepstral coefficients (NeMo's ``MFCCSpectrogramType``); `n_mfcc` fixes an axis named ``mfcc``."""


class Labels(Tag, dtypes=INTEGER):
    """Class labels: integer ids into a label set, one per item (``batch``) or one per frame (``batch time``).

    What a model outputs are `Predictions`, a child of Labels (as in NeMo).
    """


class Hypothesis(Labels, dtypes=None):
    """Decoding hypotheses."""


class Predictions(Labels, dtypes=None):
    """Model predictions (a child of Labels, as in NeMo)."""


class RegressionValues(Predictions, dtypes=FLOATING):
    """Predicted real values."""


class CategoricalValues(Predictions, dtypes=FLOATING):
    """Scores over categories."""


class Mask(Predictions, dtypes=BOOL):
    """A boolean mask, True where a position is valid.

    Over ``batch time`` it is the prefix mask of `Lengths`: ``torch.arange(time) < lengths[:, None]``.
    """


class IntValue(Tag, dtypes=INTEGER):
    """Integer values."""


class TokenIndex(IntValue):
    """Token ids into a vocabulary."""

    def invariant(self, value: torch.Tensor) -> str | None:
        return _negative(value, "token ids must be >= 0")


class Length(IntValue):
    """A single length."""


class ImageValue(Tag, dtypes=NUMERIC):
    """Pixel values of images or video frames, integer (0-255) or floating point.

    `NormalizedImageValue` is the floating-point form after normalisation.
    """


class NormalizedImageValue(ImageValue, dtypes=FLOATING):
    """Normalised pixel values."""


class ImageFeatureValue(ImageValue, dtypes=FLOATING):
    """Features computed from an image."""


class StringValue(Tag, dtypes=None):
    """Encoded strings."""


class StringLabel(StringValue):
    """String labels."""


class Target(Tag, dtypes=None):
    """Training targets."""


class ClassificationTarget(Target, dtypes=INTEGER):
    """Class indices used as targets."""


class DistributionSamples(Tag, dtypes=FLOATING):
    """Samples from a probability distribution."""


class NormalSamples(DistributionSamples):
    """Samples from a normal distribution."""
