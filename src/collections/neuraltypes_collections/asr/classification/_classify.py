"""`classify`: the label of each audio clip, from a `ClassificationModel` (MatchboxNet, MarbleNet)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Unpack, overload

import torch

import neuraltypes as nt

from ...common import eval_mode
from ...common._audio import AudioInput, batch_audio
from ...common._verbs import audio_call, resolve_model

if TYPE_CHECKING:  # _classifier takes `classify` as ClassificationModel's method
    from ._classifier import Classification, ClassificationModel, ClassifyOptions

__all__ = ["classify"]


@overload
def classify(  # type: ignore[overload-overlap]  # a str is one input, not a list
    model: ClassificationModel | str | os.PathLike[str],
    audio: AudioInput,
    **options: Unpack[ClassifyOptions],
) -> Classification: ...
@overload
def classify(
    model: ClassificationModel | str | os.PathLike[str],
    audio: Sequence[AudioInput],
    **options: Unpack[ClassifyOptions],
) -> list[Classification]: ...
def classify(
    model: ClassificationModel | str | os.PathLike[str],
    audio: AudioInput | Sequence[AudioInput],
    **options: Unpack[ClassifyOptions],
) -> Classification | list[Classification]:
    """Classify one audio clip, or each clip of a list.

    **Arguments:**

    - `model`: a `ClassificationModel`, or its registry name or archive path (``.nta`` or NeMo ``.nemo``).
    - `audio`: a path, a ``(time,)`` or ``(channel, time)`` tensor or numpy array in [-1, 1] (channels are
      averaged), or a list of them (the rules of ``docs/collections.md``).
    - `batch_size`: clips per forward pass (default 16).
    - `progress`: a progress bar over the batches (`None`, the default: when there are more than four).
    - `device`: run there (the model is moved and stays); `None` (default): the model's device.
    - `sample_rate`: the rate of a tensor or array in Hz, when its ``AudioSignal`` tag does not say (an untagged
      tensor is otherwise taken to be at the model's rate); files carry their own.
    - `resample`: resample audio at another rate to the model's (default); `False` refuses it (``NT208``).

    **Returns:** one `Classification` for one clip; a list of them, in order, for a list.

    >>> from neuraltypes_collections.asr.classification import ClassificationModelConfig
    >>> model = ClassificationModel(ClassificationModelConfig(labels=("yes", "no"))).eval()
    >>> classify(model, torch.zeros(16000)).label in ("yes", "no")
    True
    >>> len(classify(model, [torch.zeros(16000), torch.zeros(8000)]))
    2
    """
    from ._classifier import Classification, ClassificationModel

    classifier = resolve_model(model, ClassificationModel, function="classify")
    rate = classifier.sample_rate
    call = audio_call("classify", classifier, rate, audio, options, batch_size=options.get("batch_size", 16))
    waveforms = call.load_all()
    labels = classifier.labels
    # The features' centred STFT reflects n_fft // 2 samples at each end: a batch of shorter clips is zero-padded
    # to that (as a longer clip in the batch would pad it), instead of failing inside the STFT.
    shortest = classifier.config.preprocessor.n_fft // 2 + 1
    results: list[Classification] = []
    with eval_mode(classifier), torch.inference_mode():
        for run in call.batches(waveforms):
            clips, lengths = batch_audio(run, rate)
            if clips.shape[-1] < shortest:
                padded = torch.nn.functional.pad(clips, (0, shortest - clips.shape[-1]))
                clips = nt.tag(padded, nt.tags.AudioSignal(rate))
            probs = classifier(clips.to(call.device), lengths.to(call.device)).float().softmax(dim=-1).cpu()
            for row in probs:
                best = int(row.argmax())
                results.append(
                    Classification(
                        labels[best], float(row[best]), dict(zip(labels, row.tolist(), strict=True))
                    )
                )
    return call.answer(results)
