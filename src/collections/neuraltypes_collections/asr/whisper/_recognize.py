"""`transcribe` for Whisper: loaded 16 kHz clips in, one `Transcription` each (text, segments, log-probability).

A window that the no-speech rule calls silent (see `DecodingOptions`) gives an empty text and no segments. Clips are sorted by length and decoded in batches (the results do not depend on the batch size); each clip is one
window, so clips longer than a window (30 s) are refused for now with a one-line `InputError`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import torch
from torch import Tensor

import neuraltypes as nt

from ...common._audio import batch_audio
from ...common._errors import InputError
from ...common._model import eval_mode
from ...common._verbs import batches
from .._transcribe import Transcription
from ._decoding import DecodingOptions, decode_with_fallback, segments_of

if TYPE_CHECKING:
    from ._model import WhisperModel

__all__ = ["recognize"]


def recognize(
    model: WhisperModel,
    clips: Sequence[Tensor],
    *,
    device: torch.device,
    batch_size: int,
    progress: bool | None,
    timestamps: bool,
    beam: object | None,
    options: DecodingOptions | None = None,
) -> list[Transcription]:
    """Greedy Whisper transcriptions of mono `clips` at 16 kHz, in their order."""
    if beam is not None and (isinstance(beam, bool) or not isinstance(beam, int) or beam < 1):
        raise InputError(
            f"transcribe: a Whisper model takes beam=<beam size>, an integer >= 1 (None: greedy), got {beam!r}",
            source="beam",
        )
    if timestamps:
        raise InputError(
            "transcribe: word timestamps are not available for Whisper models yet (segment times are in "
            "result.segments); leave timestamps=False",
            source="timestamps",
        )
    tokenizer = model.tokenizer
    if tokenizer is None:
        raise InputError("transcribe: the Whisper model has no tokenizer.json artifact", source="model")
    window = model.config.dimensions.window_samples
    for index, clip in enumerate(clips):
        if clip.shape[0] > window:
            raise InputError(
                f"inputs[{index}]: {clip.shape[0] / model.sample_rate:.1f} s is longer than one "
                f"{window / model.sample_rate:.0f} s window, which is what Whisper transcribes for now; "
                "hint: cut the recording (neuraltypes_collections.asr.split_at_silences)",
                source=f"inputs[{index}]",
            )
    beam_size = beam if isinstance(beam, int) else 1
    options = options or DecodingOptions(max_length=model.config.dimensions.n_text_ctx, beam_size=beam_size)
    prompt = tokenizer.sot_sequence()
    config = model.config
    order = sorted(range(len(clips)), key=lambda i: -clips[i].shape[0])
    results: dict[int, Transcription] = {}
    with eval_mode(model), torch.inference_mode():
        for batch in batches(order, batch_size, progress=progress, description="transcribe"):
            signal, lengths = batch_audio([clips[i] for i in batch], model.sample_rate)
            signal = nt.tag(signal.to(device), nt.tags.AudioSignal(model.sample_rate))
            encoded = model.encoder(model.front_end(signal, lengths.to(device)))
            windows = decode_with_fallback(
                model.decoder, encoded, tokenizer, prompt,
                list(config.suppress_ids), list(config.suppress_ids_begin), options,
            )  # fmt: skip
            for row, index in enumerate(batch):
                decoded = windows[row]
                duration_s = clips[index].shape[0] / model.sample_rate
                silent = decoded.is_silent(options)
                results[index] = Transcription(
                    "" if silent else tokenizer.decode(decoded.tokens).strip(),
                    decoded.sum_logprob,
                    segments=() if silent else segments_of(decoded.tokens, tokenizer, duration_s),
                    avg_logprob=decoded.avg_logprob,
                )
    return [results[index] for index in range(len(clips))]
