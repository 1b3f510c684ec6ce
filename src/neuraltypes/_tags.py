"""Semantic tags: what a tensor *means*, with an inheritance order and value parameters.

A tag class is both a vocabulary entry (``MelSpectrogram`` is a ``Spectrogram``) and an annotation factory:
``MelSpectrogram[Tensor, "batch mel frame"]``. A tag *instance* is a concrete meaning with parameters, e.g.
``AudioSignal(16000)``; parameters left as ``None`` are wildcards. Parameters are compared by value, also when the
actual tag is a subclass of the expected one.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, ClassVar

import torch

from ._errors import AnnotationError

__all__ = [
    "ANY_DTYPE",
    "BOOL",
    "FLOATING",
    "INTEGER",
    "NUMERIC",
    "Compatibility",
    "Tag",
    "tag",
    "tag_of",
    "tag_relation",
    "TAG_ATTRIBUTE",
    "Void",
]

FLOATING: frozenset[torch.dtype] = frozenset({torch.float16, torch.bfloat16, torch.float32, torch.float64})
INTEGER: frozenset[torch.dtype] = frozenset({torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64})
BOOL: frozenset[torch.dtype] = frozenset({torch.bool})
NUMERIC: frozenset[torch.dtype] = FLOATING | INTEGER
ANY_DTYPE: None = None

#: The tensor attribute that carries a tag from one typed call to the next.
TAG_ATTRIBUTE = "_neuraltypes_tag"


class Compatibility(Enum):
    """How an actual type relates to an expected one (NeMo's ``NeuralTypeComparisonResult``)."""

    SAME = 0
    LESS = 1  #: the actual tag is a parent of the expected one: too general, rejected
    GREATER = 2  #: the actual tag is a child of the expected one: accepted
    DIM_INCOMPATIBLE = 3
    TRANSPOSE_SAME = 4
    INCOMPATIBLE = 6
    SAME_TYPE_INCOMPATIBLE_PARAMS = 7

    @property
    def accepted(self) -> bool:
        """Whether a module input declared as the expected type takes the actual one."""
        return self is Compatibility.SAME or self is Compatibility.GREATER


_INTERNED: dict[tuple[type, tuple[Any, ...]], Tag] = {}
_BARE: dict[type, Tag] = {}  #: each class's tag with every parameter unset


class _TagMeta(type):
    """Lets a tag class build annotations: ``AudioSignal[Tensor, "batch time", 16000]``."""

    def __getitem__(cls, item: Any) -> Any:
        # Annotations are built two layers up (they carry a checker); by the time a tag is subscripted the package
        # is imported, so this import only looks the function up.
        from ._annotations import make_annotation

        return make_annotation(cls, item)  # type: ignore[arg-type]  # cls is a Tag subclass

    def __repr__(cls) -> str:
        return cls.__name__


class Tag(metaclass=_TagMeta):
    """Root of the tag vocabulary (NeMo's ``ElementType``).

    Subclass it, or any tag, to define your own meaning. Declare new value parameters with the class keyword
    ``params``, a default dtype set with ``dtypes`` (``None`` accepts every dtype), and with ``axes`` the
    parameters that fix the size of a named axis (``axes={"n_mels": "mel"}``)::

        class HiResAudio(AudioSignal, params=("bit_depth",)):
            '''Audio recorded at high resolution.'''

    Instances are immutable and interned: tags of one class with equal parameters are the same object.
    """

    __slots__ = ("_values",)
    param_names: ClassVar[tuple[str, ...]] = ()
    #: parameters that fix the size of a named axis, e.g. MelSpectrogram's ``n_mels`` fixes the ``mel`` axis
    axis_params: ClassVar[dict[str, str]] = {}
    default_dtypes: ClassVar[frozenset[torch.dtype] | None] = None
    #: other keyword names of parameters, e.g. NeMo's ``freq`` for AudioSignal's ``sample_rate``
    param_aliases: ClassVar[dict[str, str]] = {}
    _values: tuple[Any, ...]

    def __init_subclass__(
        cls,
        *,
        params: tuple[str, ...] = (),
        dtypes: frozenset[torch.dtype] | None | str = "inherit",
        axes: dict[str, str] | None = None,
        aliases: dict[str, str] | None = None,
        **kw: Any,
    ) -> None:
        super().__init_subclass__(**kw)
        for name in params:
            if not name.isidentifier() or name in cls.param_names:
                raise AnnotationError(
                    f"tag {cls.__name__}: parameter name {name!r} is not a new identifier "
                    f"(inherited: {cls.param_names})",
                    code="NT103",
                )
        cls.param_names = cls.param_names + tuple(params)
        if dtypes != "inherit":
            cls.default_dtypes = dtypes  # type: ignore[assignment]
        if axes:
            unknown = set(axes) - set(cls.param_names)
            if unknown:
                raise AnnotationError(f"tag {cls.__name__}: axes= names unknown parameters {unknown}", code="NT103")
            cls.axis_params = {**cls.axis_params, **axes}
        if aliases:
            cls.param_aliases = {**cls.param_aliases, **aliases}

    def __new__(cls, *args: Any, **kwargs: Any) -> Tag:
        if not args and not kwargs:  # the common ``MelSpectrogram()``: one dict lookup
            bare = _BARE.get(cls)
            if bare is not None:
                return bare
        names = cls.param_names
        if len(args) > len(names):
            raise AnnotationError(
                f"{cls.__name__} takes at most {len(names)} parameter(s) {names}, got {len(args)}: {args}",
                code="NT103",
            )
        values = dict(zip(names, args, strict=False))
        for key, value in kwargs.items():
            key = cls.param_aliases.get(key, key)
            if key not in names:
                raise AnnotationError(
                    f"{cls.__name__} has no parameter {key!r}; its parameters are {names or '(none)'}", code="NT103"
                )
            if key in values:
                raise AnnotationError(f"{cls.__name__}: parameter {key!r} given twice", code="NT103")
            values[key] = value
        key_values = tuple(values.get(n) for n in names)
        # Tags are interned: equal tags are the same object, so the hot path compares them with `is`.
        interned = _INTERNED.get((cls, key_values))
        if interned is None:
            interned = object.__new__(cls)
            object.__setattr__(interned, "_values", key_values)
            _INTERNED[(cls, key_values)] = interned
            if not any(v is not None for v in key_values):
                _BARE[cls] = interned
        return interned

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} tags are immutable")

    def __getattr__(self, name: str) -> Any:
        names = type(self).param_names
        if name in names:
            return self._values[names.index(name)]
        raise AttributeError(f"{type(self).__name__} has no parameter {name!r}")

    @property
    def params(self) -> dict[str, Any]:
        """The parameters as a dict, ``None`` meaning "any"."""
        return dict(zip(type(self).param_names, self._values, strict=True))

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.params.items() if v is not None)
        return f"{type(self).__name__}({shown})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), self._values)

    def invariant(self, value: torch.Tensor) -> str | None:
        """A value invariant checked only in paranoid mode: return a description of the breach, or None."""
        return None


class Void(Tag, dtypes=None):
    """No meaning declared: as an expected type it accepts anything; as an actual type only Void accepts it."""


def _param_mismatches(expected: Tag, actual: Tag) -> list[tuple[str, Any, Any]]:
    """Parameters of `expected` that `actual` sets to a different value (None on either side is a wildcard)."""
    out = []
    actual_params = actual.params
    for name, want in expected.params.items():
        got = actual_params.get(name)
        if want is not None and got is not None and want != got:
            out.append((name, want, got))
    return out


_RELATION_CACHE: dict[tuple[Tag, Tag], Compatibility] = {}


def tag_relation(expected: Tag, actual: Tag) -> Compatibility:
    """Compare two tags: SAME, GREATER (child, accepted), LESS (parent), INCOMPATIBLE or SAME_TYPE_INCOMPATIBLE_PARAMS.

    A ``Void`` expected tag accepts everything (SAME); a ``Void`` actual tag is not accepted by a non-void one.
    Parameters are compared for subclasses too (NeMo skipped that).
    """
    key = (expected, actual)
    cached = _RELATION_CACHE.get(key)
    if cached is not None:
        return cached
    e_cls, a_cls = type(expected), type(actual)
    if e_cls is Void:
        result = Compatibility.SAME
    elif a_cls is Void:
        result = Compatibility.INCOMPATIBLE
    elif issubclass(a_cls, e_cls):
        if _param_mismatches(expected, actual):
            result = Compatibility.SAME_TYPE_INCOMPATIBLE_PARAMS
        else:
            result = Compatibility.SAME if a_cls is e_cls else Compatibility.GREATER
    elif issubclass(e_cls, a_cls):
        result = Compatibility.LESS
    else:
        result = Compatibility.INCOMPATIBLE
    if len(_RELATION_CACHE) < 4096:
        _RELATION_CACHE[key] = result
    return result


def tag(value: torch.Tensor, meaning: Tag | type[Tag]) -> torch.Tensor:
    """Attach a meaning to a tensor in place and return it, e.g. ``tag(audio, AudioSignal(8000))``.

    Typed modules tag their outputs themselves; use this at the edge of a program (data loaders, raw tensors).
    """
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"tag() takes a torch.Tensor, got {type(value).__name__}")
    if isinstance(meaning, type):
        meaning = meaning()
    if not isinstance(meaning, Tag):
        raise TypeError(f"tag() takes a Tag instance such as AudioSignal(16000), got {meaning!r}")
    setattr(value, TAG_ATTRIBUTE, meaning)
    return value


def tag_of(value: object) -> Tag | None:
    """The tag a tensor carries, or None. Tags survive in-place ops and ``detach()``-free passing only;
    ``clone()``, slicing, ``transpose()`` and arithmetic return new, untagged tensors."""
    return getattr(value, TAG_ATTRIBUTE, None)
