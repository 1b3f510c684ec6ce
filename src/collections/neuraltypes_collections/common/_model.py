"""``NeuralModel``: a typed module that owns a frozen config, artifacts and its persistence.

A model is a plain ``neuraltypes.NeuralModule`` (so its ``forward`` is checked at every call) built from
one frozen dataclass config. Training hooks are no-op methods that Lightning's task module calls; the
model itself never imports Lightning.

Subclasses are registered under a short name (``"asr.ctc"``). Archives store that name, never a class
path: restoring looks the name up in the registry and, for ``"<collection>.<name>"``, imports the
package ``neuraltypes_collections.<collection>`` on demand.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import os
import typing
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, ClassVar, Generic

import torch
from torch import Tensor
from typing_extensions import TypeVar

from neuraltypes import NeuralModule

from ._config import register_target
from ._errors import ConfigError, InputError, UnknownModelError

__all__ = ["NeuralModel", "eval_mode", "register_model", "model_class", "registered_models"]


@contextmanager
def eval_mode(module: torch.nn.Module) -> Iterator[None]:
    """Put `module` in eval mode for a `with` block, then back in the mode it had, also when the block raises.

    Inference helpers (`transcribe`, `classify`, `generate_spectrogram`, ...) use it so that the model comes back
    as the caller left it. Gradient mode is the caller's business (`torch.inference_mode()` or `no_grad`).

    >>> net = torch.nn.Dropout().train()
    >>> with eval_mode(net):
    ...     net.training
    False
    >>> net.training
    True
    """
    was_training = module.training
    module.eval()
    try:
        yield
    finally:
        module.train(was_training)

M = TypeVar("M", bound="NeuralModel")
#: The config class of a model: `NeuralModel[CTCModelConfig]`; a bare `NeuralModel` is a model of any config.
ConfigT = TypeVar("ConfigT", default=Any)

_MODELS: dict[str, type[NeuralModel]] = {}

#: registered name -> module that registers it, for models whose collection package does not import them.
_LAZY_MODELS: dict[str, str] = {}


class NeuralModel(NeuralModule, Generic[ConfigT]):
    """Base class of every model in the collections: a typed module plus a frozen config.

    Subclasses name their config class (a frozen dataclass) once, as the type argument:
    ``class Tiny(NeuralModel[TinyConfig])`` types ``self.config`` and sets the class attribute ``Config``, which
    archives read back configs with (a class may still set ``Config`` itself). They build their layers from the
    config in ``__init__``, are registered with ``@register_model("collection.name")``, annotate ``forward`` with
    neuraltypes tags, and override the training hooks they need.

    **Arguments:**

    - ``config``: an instance of the subclass's ``Config``.

    **Example:**

    ```python
    @dataclasses.dataclass(frozen=True)
    class TinyConfig:
        features: int = 4

    @register_model("common.tiny")
    class Tiny(NeuralModel[TinyConfig]):
        def __init__(self, config: TinyConfig) -> None:
            super().__init__(config)
            self.linear = torch.nn.Linear(config.features, 1)

    Tiny(TinyConfig()).save_to("tiny.nta")
    model = NeuralModel.restore_from("tiny.nta")
    ```
    """

    Config: ClassVar[type[Any]]
    config: ConfigT
    model_name: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "Config" in vars(cls):
            return
        for base in vars(cls).get("__orig_bases__", ()):
            origin, arguments = typing.get_origin(base), typing.get_args(base)
            # `NeuralModel[X]` or `_Vocoder[X]` with a class X; a type variable (a generic base of models) is not one
            if isinstance(origin, type) and issubclass(origin, NeuralModel) and arguments:
                if isinstance(arguments[0], type):
                    cls.Config = arguments[0]

    def __init__(self, config: ConfigT) -> None:
        super().__init__()
        expected = getattr(type(self), "Config", None)
        if not (isinstance(expected, type) and dataclasses.is_dataclass(expected)):
            raise ConfigError(
                f"{type(self).__name__} must name its config class, a frozen dataclass: "
                f"class {type(self).__name__}(NeuralModel[ItsConfig])"
            )
        if not isinstance(config, expected):
            raise ConfigError(
                f"{type(self).__name__} expects a {expected.__name__} config, got {type(config).__name__}"
            )
        self.config = config
        self.artifacts: dict[str, bytes] = {}

    # ----------------------------------------------------------------------------------- construction

    @classmethod
    def from_config(cls: type[M], config: Any, artifacts: Mapping[str, bytes] | None = None) -> M:
        """Build the model from its config and the artifacts stored next to it.

        Models whose layers depend on artifact files (a tokenizer vocabulary) override this.

        **Arguments:**

        - ``config``: an instance of ``cls.Config``.
        - ``artifacts``: file name -> bytes, as passed to ``add_artifact``.

        **Returns:** the new model (random weights; ``restore_from`` then loads the stored ones).
        """
        model = cls(config)
        for name, data in (artifacts or {}).items():
            model.add_artifact(name, data)
        return model

    def add_artifact(self, name: str, data: bytes) -> None:
        """Attach a file (tokenizer model, vocabulary, ...) that ``save_to`` stores in the archive.

        **Arguments:**

        - ``name``: a plain file name (letters, digits, ``._-``), unique within the model.
        - ``data``: the file's bytes.
        """
        if not name or "/" in name or "\\" in name or name in (".", "..") or name.startswith("."):
            raise InputError(f"artifact name {name!r} must be a plain file name such as 'vocab.txt'")
        self.artifacts[name] = bytes(data)

    # ------------------------------------------------------------------------------------- persistence

    def save_to(self, path: str | os.PathLike[str]) -> None:
        """Write the model to one archive file, atomically.

        The archive holds the config (YAML), the weights (safetensors), the contract (JSON), the
        artifacts and their SHA-256 checksums. The file is written under a temporary name in the same
        directory and renamed over ``path`` at the end: an interrupted save leaves any previous file
        intact.

        **Arguments:**

        - ``path``: the archive to write (suffix free; ``.nta`` by convention).
        """
        from ._archive import save_archive

        save_archive(self, path)

    @classmethod
    def restore_from(
        cls: type[M],
        path: str | os.PathLike[str],
        map_location: str | torch.device | None = None,
    ) -> M:
        """Load a model from a neuraltypes archive or a NeMo ``.nemo`` checkpoint.

        **Arguments:**

        - ``path``: the archive.
        - ``map_location``: device to move the model to (CPU when ``None``).

        **Returns:** the model in eval mode. Called on a subclass, the archive must hold that subclass
        (or a subclass of it), else ``ConfigError``.
        """
        from ._archive import restore_from

        model = restore_from(path, map_location=map_location)
        if not isinstance(model, cls):
            raise ConfigError(
                f"{os.fspath(path)} holds a {type(model).__name__} ({type(model).model_name!r}), "
                f"not a {cls.__name__}; use NeuralModel.restore_from to accept any model"
            )
        return model

    @classmethod
    def from_pretrained(
        cls: type[M],
        name: str,
        *,
        map_location: str | torch.device | None = None,
        index: str | os.PathLike[str] | None = None,
    ) -> M:
        """Load a pretrained model of this class by registry name (``neuraltypes models`` lists them).

        **Arguments:**

        - ``name``: a registry name, or the path of an archive / ``.nemo`` file.
        - ``map_location``: device to move the model to (CPU when ``None``).
        - ``index``: an extra registry index file.

        **Returns:** the model in eval mode. Called on a subclass, the entry must hold that subclass, else
        ``ConfigError``; an unknown name raises ``UnknownModelError`` listing the known ones.
        """
        from ._pretrained import model_from_reference

        model = model_from_reference(name, map_location=map_location, index=index)
        if not isinstance(model, cls):
            raise ConfigError(
                f"{name!r} holds a {type(model).__name__} ({type(model).model_name!r}), not a {cls.__name__}; "
                "use neuraltypes_collections.common.from_pretrained to accept any model"
            )
        return model

    # ---------------------------------------------------------------------------------- training hooks

    def training_step(self, batch: Any, batch_idx: int) -> Tensor:
        """Return the loss for one training batch. Models that train override it."""
        raise NotImplementedError(f"{type(self).__name__} does not define training_step")

    def validation_step(self, batch: Any, batch_idx: int) -> Mapping[str, Tensor]:
        """Return metrics for one validation batch (logged with the ``val_`` prefix). No-op by default."""
        return {}

    def test_step(self, batch: Any, batch_idx: int) -> Mapping[str, Tensor]:
        """Return metrics for one test batch (logged with the ``test_`` prefix). No-op by default."""
        return {}

    def train_dataloader(self) -> Any:
        """Return the training data loader built from the config, or ``None`` to pass loaders to ``fit``."""
        return None

    def val_dataloader(self) -> Any:
        """Return the validation data loader built from the config, or ``None``."""
        return None

    def test_dataloader(self) -> Any:
        """Return the test data loader built from the config, or ``None``."""
        return None


def register_model(name: str) -> Callable[[type[M]], type[M]]:
    """Register a ``NeuralModel`` subclass under ``name``, the key stored in its archives.

    **Arguments:**

    - ``name``: ``"<collection>.<model>"``, e.g. ``"asr.ctc"``; the collection part lets
      ``restore_from`` import ``neuraltypes_collections.<collection>`` on demand.

    The class also becomes an allowed ``_target_`` (under its registered name and its
    ``module.Class`` path) for ``instantiate``.
    """
    parts = name.split(".")
    if len(parts) < 2 or not all(part.replace("-", "_").isidentifier() for part in parts):
        raise ConfigError(f"model name {name!r} must look like '<collection>.<model>', e.g. 'asr.ctc'")

    def decorator(cls: type[M]) -> type[M]:
        if not (isinstance(cls, type) and issubclass(cls, NeuralModel)):
            raise ConfigError(f"register_model({name!r}) decorates NeuralModel subclasses, not {cls!r}")
        existing = _MODELS.get(name)
        if existing is not None and (existing.__module__, existing.__qualname__) != (
            cls.__module__,
            cls.__qualname__,
        ):
            raise ConfigError(
                f"model name {name!r} is already registered for {existing.__module__}.{existing.__qualname__}"
            )
        cls.model_name = name
        _MODELS[name] = cls
        register_target(name, cls)
        register_target(f"{cls.__module__}.{cls.__qualname__}", cls)
        return cls

    return decorator


def model_class(name: str) -> type[NeuralModel]:
    """Return the class registered under ``name``, importing its collection on demand.

    Raises ``UnknownModelError`` listing the registered names.
    """
    if name not in _MODELS and name in _LAZY_MODELS:
        importlib.import_module(_LAZY_MODELS[name])
    if name not in _MODELS:
        collection = name.split(".", 1)[0]
        package = f"neuraltypes_collections.{collection}"
        if collection.isidentifier() and importlib.util.find_spec(package) is not None:
            importlib.import_module(package)
    if name in _MODELS:
        return _MODELS[name]
    raise UnknownModelError(
        f"no model class is registered as {name!r}; registered: {', '.join(sorted(_MODELS)) or 'none'} "
        "(hint: import the collection that defines it)"
    )


def registered_models() -> dict[str, type[NeuralModel]]:
    """A copy of the name -> class registry (only collections imported so far)."""
    return dict(_MODELS)
