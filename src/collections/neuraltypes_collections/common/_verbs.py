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
from typing import TypedDict, TypeVar

import torch

from ._errors import InputError
from ._model import NeuralModel

__all__ = [
    "AudioVerbOptions",
    "batches",
    "check_batch_size",
    "check_encodable",
    "model_device",
    "resolve_model",
    "text_inputs",
    "wrong_model_error",
]

M = TypeVar("M", bound=NeuralModel)


class AudioVerbOptions(TypedDict, total=False):
    """The keywords every audio-consuming verb takes (`transcribe`, `classify`, `detect_speech`): the shared three,
    and how the audio is read (`sample_rate` of in-memory audio, `resample` or refuse other rates). Each verb's
    options (`TranscribeOptions`, ...) extend these, for the ``**options: Unpack[...]`` of its overloads and method."""

    batch_size: int
    progress: bool | None
    device: str | torch.device | None
    sample_rate: int | None
    resample: bool


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


T = TypeVar("T")


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
