"""What every inference verb shares: the model argument, the keyword options, batching with a progress bar.

The verb grid (``docs/collections.md``): for each task a model method and a module-level function with the same
name and arguments — ``transcribe``, ``classify``, ``detect_speech``, ``punctuate``, ``synthesize`` — where

- the function takes ``(model, inputs, **options)`` and the method ``(inputs, **options)``; ``model`` is a model
  instance, a registry name or an archive path (`resolve_model`);
- one input in gives one result out; a list in gives a list out, in input order;
- results are frozen dataclasses;
- the shared keywords are ``batch_size``, ``progress`` (``None``: a bar when there are more than four batches)
  and ``device`` (``None``: the model's own device; else the model is moved there and stays).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypedDict, TypeVar

import torch
from torch import Tensor

from ._audio import AudioInput, input_source, is_single_audio, load_audio
from ._errors import InputError
from ._model import NeuralModel

__all__ = [
    "AudioCall",
    "AudioReadOptions",
    "AudioVerbOptions",
    "audio_call",
    "batches",
    "check_batch_size",
    "check_encodable",
    "model_device",
    "resolve_model",
    "text_inputs",
    "wrong_model_error",
]

M = TypeVar("M", bound=NeuralModel)


class AudioReadOptions(TypedDict, total=False):
    """The keywords every audio-consuming verb takes: `progress` and `device`, and how the audio is read
    (`sample_rate` of in-memory audio, `resample` or refuse other rates). `copy_synthesize`, which vocodes each
    recording on its own, takes these only; the verbs that batch take `AudioVerbOptions`."""

    progress: bool | None
    device: str | torch.device | None
    sample_rate: int | None
    resample: bool


class AudioVerbOptions(AudioReadOptions, total=False):
    """The keywords of the audio verbs that batch (`transcribe`, `classify`, `detect_speech`, `detect_language`,
    the speaker verbs): `AudioReadOptions` and `batch_size`. Each verb's options (`TranscribeOptions`, ...) extend
    these, for the ``**options: Unpack[...]`` of its overloads, its method and its implementation, which reads them
    with `audio_call` (the defaults: `progress` and `device` `None`, `sample_rate` `None`, `resample` true;
    `batch_size` the verb's own)."""

    batch_size: int


R = TypeVar("R")
T = TypeVar("T")


@dataclass(frozen=True)
class AudioCall:
    """One call of an audio verb, read in one place (`audio_call`): its recordings, the model's rate and device,
    and the shared keywords with their defaults filled in. The verb loads the recordings (`load`, `load_all`), runs
    over `batches` of them, and returns `answer(results)`: one result for one recording, the list for a list."""

    function: str
    inputs: tuple[AudioInput, ...]
    single: bool
    rate: int
    device: torch.device
    batch_size: int
    progress: bool | None
    sample_rate: int | None
    resample: bool

    def load(self, index: int) -> Tensor:
        """Recording `index` as a mono waveform at `rate` on the CPU (`load_audio`); messages name its path, or
        ``audio`` / ``inputs[i]`` for in-memory audio."""
        item = self.inputs[index]
        return load_audio(
            item,
            self.rate,
            sample_rate=self.sample_rate,
            resample_audio=self.resample,
            function=self.function,
            source=input_source(item, self.single, index),
        )

    def load_all(self) -> list[Tensor]:
        """Every recording, in input order (`load`)."""
        return [self.load(index) for index in range(len(self.inputs))]

    def batches(self, order: Sequence[T], batch_size: int | None = None) -> Iterator[Sequence[T]]:
        """`order` in runs of `batch_size` (default: the call's), with the call's progress bar (`batches`)."""
        size = self.batch_size if batch_size is None else batch_size
        return batches(order, size, progress=self.progress, description=self.function)

    def answer(self, results: list[R]) -> R | list[R]:
        """The verb's return value: the one result of one recording, or the list (input order) for a list."""
        return results[0] if self.single else results


def audio_call(
    function: str,
    model: torch.nn.Module,
    rate: int,
    audio: AudioInput | Sequence[AudioInput],
    options: AudioReadOptions,
    *,
    batch_size: int | None,
) -> AudioCall:
    """Read an audio verb's call: refuse a keyword it does not take (the `TypeError` Python raises for one), check
    `batch_size`, move `model` to the ``device`` keyword (`model_device`) and hold the rest for loading.

    **Arguments:**

    - `function`: the verb's name, for messages.
    - `model`: the resolved model; `rate`: the rate in Hz its audio is read at.
    - `audio`: the verb's input: one recording or a list of them.
    - `options`: the shared keywords the verb was given (`AudioReadOptions`, `AudioVerbOptions`).
    - `batch_size`: the batch size to use: the ``batch_size`` keyword, else the verb's default; `None` for a verb
      that does not batch, which then refuses the keyword.
    """
    accepted = (AudioReadOptions if batch_size is None else AudioVerbOptions).__optional_keys__
    for keyword in options:
        if keyword not in accepted:
            raise TypeError(f"{function}() got an unexpected keyword argument {keyword!r}")
    if batch_size is not None:
        check_batch_size(batch_size, function=function)
    single = is_single_audio(audio)
    inputs: tuple[AudioInput, ...] = (audio,) if single else tuple(audio)  # type: ignore[assignment, arg-type]
    return AudioCall(
        function,
        inputs,
        single,
        rate,
        model_device(model, options.get("device")),
        1 if batch_size is None else batch_size,
        options.get("progress"),
        options.get("sample_rate"),
        options.get("resample", True),
    )


def resolve_model(
    model: M | str | os.PathLike[str], expected: type[M], *, function: str, parameter: str = "model"
) -> M:
    """`model` itself, or the model a registry name or archive path names; refused unless it is an `expected`.

    Raises `InputError` (``NT309``) naming the function, the `parameter` and both classes for a model of another
    kind.
    """
    if isinstance(model, (str, os.PathLike)):
        from ._pretrained import model_from_reference

        loaded: object = model_from_reference(model)
    else:
        loaded = model
    if not isinstance(loaded, expected):
        raise wrong_model_error(function, model, loaded, f"a {expected.__name__}", parameter=parameter)
    return loaded


def wrong_model_error(
    function: str, model: object, loaded: object, expected: str, *, parameter: str = "model"
) -> InputError:
    """The `InputError` (``NT309``) for a model argument of the wrong kind: `model` is a registry name or archive
    path that holds `loaded`, or the object `loaded` itself; `expected` says what was wanted (``"a CTCModel"``);
    `parameter` names the argument (``"vocoder"``)."""
    if isinstance(model, (str, os.PathLike)):
        path = os.fspath(model)
        return InputError(f"{function}: {path} holds a {type(loaded).__name__}, not {expected}", source=path)
    return InputError(
        f"{function}: parameter {parameter!r} is a {type(loaded).__name__}, expected {expected} "
        "(or its registry name or archive path)",
        source=parameter,
    )


def text_inputs(texts: str | Sequence[str]) -> tuple[list[str], list[str]]:
    """The texts a text verb (`punctuate`, `recognize_entities`, `synthesize`) is given, as a list, and the name of
    each for messages: ``text`` for one text, ``texts[i]`` for the items of a list.

    Raises `InputError` (``NT309``) for `texts` neither a str nor a list, or naming the first item that is not a str
    or not UTF-8 text (`check_encodable`).
    """
    if not isinstance(texts, (str, Iterable)):
        raise InputError(f"texts: expected a str or a list of str, got {type(texts).__name__}", source="texts")
    items: list[str] = [texts] if isinstance(texts, str) else list(texts)
    names = ["text"] if isinstance(texts, str) else [f"texts[{index}]" for index in range(len(items))]
    for name, text in zip(names, items, strict=True):
        if not isinstance(text, str):
            raise InputError(f"{name}: expected a str, got {type(text).__name__}", source=name)
        check_encodable(text, name)
    return items, names


def check_encodable(text: str, name: str) -> None:
    """Raise `InputError` (``NT309``) naming `name` when `text` holds a lone surrogate: bytes that were not UTF-8,
    decoded with ``surrogateescape`` (command-line arguments, stdin under a C locale), which tokenizers refuse."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(f"{name}: not UTF-8 text (it holds undecodable bytes)", source=name) from None


def check_batch_size(batch_size: int, *, function: str) -> None:
    """Raise `InputError` unless `batch_size` is a positive integer."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise InputError(f"{function}: batch_size must be an integer >= 1, got {batch_size!r}", source="batch_size")


def model_device(model: torch.nn.Module, device: str | torch.device | None) -> torch.device:
    """The device a verb runs on: `device` (the model is moved there) or, when `None`, the model's own."""
    if device is not None:
        model.to(device)
        return torch.device(device)
    parameter = next(model.parameters(), None)
    return parameter.device if parameter is not None else torch.device("cpu")


def batches(
    order: Sequence[T], batch_size: int, *, progress: bool | None, description: str
) -> Iterator[Sequence[T]]:
    """`order` cut into runs of `batch_size`, with a tqdm bar when `progress` (``None``: more than four batches)."""
    runs = [order[start : start + batch_size] for start in range(0, len(order), batch_size)]
    show = progress if progress is not None else len(runs) > 4
    if not show:
        yield from runs
        return
    from tqdm.auto import tqdm  # type: ignore[import-untyped]

    yield from tqdm(runs, desc=description, unit="batch")
