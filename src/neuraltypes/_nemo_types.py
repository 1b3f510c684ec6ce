"""NeMo's type objects on our engine: `AxisKind`, `AxisType`, `NeuralType`, and the way back from our annotations.

A `NeuralType` holds a `TensorSpec` (its axes become dims named by kind: ``B`` -> ``batch``, ``T`` -> ``time``,
``D``/``C`` -> ``channel``) plus what NeMo adds: `optional`, and leading list axes (``AxisType(..., is_list=True)``).
Types are interned: ``NeuralType(("B", "T"), AudioSignal(16000))`` built twice is one object, so a module's
``input_types`` property costs a few dictionary lookups per call, and comparisons are cached by identity.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from ._annotations import spec_of
from ._compare import compare
from ._dims import AnyDim, Dim, FixedDim, NamedDim, VariadicDim
from ._errors import AnnotationError
from ._spec import TensorSpec
from ._tags import ANY_DTYPE, Compatibility, Tag, Void

__all__ = ["AxisKind", "AxisKindAbstract", "AxisType", "NeuralType", "kind_of_word", "neural_type_of"]


class AxisKindAbstract(Enum):
    """The base of axis kinds: subclass it for kinds of your own (``class Kinds(AxisKindAbstract): Image = 0``).

    A kind's axis name is its member name in lower case (``image``).
    """

    def __str__(self) -> str:
        return self.name.lower()


class AxisKind(AxisKindAbstract):
    """NeMo's axis kinds; ``Dimension`` and ``Channel`` are one kind, as in NeMo."""

    Batch = "batch"
    Time = "time"
    Dimension = "channel"
    Channel = "channel"
    Width = "width"
    Height = "height"
    Any = "any"
    Sequence = "sequence"
    FlowGroup = "flowgroup"
    Singleton = "singleton"

    def __str__(self) -> str:
        return str(self.value)

    @classmethod
    def from_str(cls, label: str) -> AxisKind:
        """The kind of a short label (``"B"``, ``"T"``, ``"D"``...) or a long one (``"batch"``); NeMo's labels."""
        key = label.strip().lower()
        found = _LABELS.get(key)
        if found is None and len(key) > 2 and key.startswith("t_"):
            found = "time"
        if found is None:
            raise AnnotationError(f"unknown NeMo axis label {label!r}; known: {sorted(_LABELS)}", code="NT102")
        return cls(found)


_LABELS = {"b": "batch", "n": "batch", "batch": "batch", "t": "time", "time": "time", "d": "channel",
           "c": "channel", "dimension": "channel", "channel": "channel", "w": "width", "width": "width",
           "h": "height", "height": "height", "any": "any", "s": "singleton", "singleton": "singleton",
           "seq": "sequence", "sequence": "sequence", "flowgroup": "flowgroup"}


class AxisType:
    """One axis: a kind (or its label), an optional fixed size, and whether it is a Python list rather than a
    tensor axis (``is_list``: only leading axes may be lists; a list axis has no size)."""

    __slots__ = ("is_list", "kind", "size")

    def __init__(self, kind: AxisKindAbstract | str, size: int | None = None, is_list: bool = False) -> None:
        if size is not None and is_list:
            raise AnnotationError(f"AxisType({kind!r}): a list axis cannot have a fixed size ({size})", code="NT102")
        self.kind = AxisKind.from_str(kind) if isinstance(kind, str) else kind
        self.size = size
        self.is_list = is_list

    def _key(self) -> tuple[Any, ...]:
        return (self.kind, self.size, self.is_list)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AxisType) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        text = str(self.kind) if self.size is None else f"{self.kind}:{self.size}"
        return text + ("_listdim" if self.is_list else "")

    def to_dim(self) -> Dim:
        if self.kind is AxisKind.Any:
            return AnyDim()
        return NamedDim(str(self.kind), False, self.size)


def _axis(value: Any) -> AxisType:
    if isinstance(value, AxisType):
        return value
    if isinstance(value, AxisKindAbstract | str):
        return AxisType(value)
    if isinstance(value, tuple) and len(value) == 2:
        return AxisType(value[0], value[1])
    raise AnnotationError(f"not a NeMo axis: {value!r} (a label such as 'B', an AxisKind or an AxisType)",
                          code="NT102")


_INTERNED: dict[tuple[Any, ...], NeuralType] = {}


class NeuralType:
    """NeMo's ``NeuralType(axes, elements_type, optional)``: `axes` None means any shape, `elements_type` None Void.

    ``a.compare(b)`` says how `b` (offered) relates to `a` (expected), with `neuraltypes.compare`'s fixed
    semantics; ``==`` is a real boolean (SAME).
    """

    __slots__ = ("axes", "elements_type", "fixed", "list_depth", "optional", "rank", "spec", "tag")
    axes: tuple[AxisType, ...] | None
    elements_type: Tag
    list_depth: int  #: how many leading axes are Python lists
    optional: bool
    spec: TensorSpec  #: the tensor axes and the tag, as our engine checks them
    rank: int | None  #: the rank a tensor must have (None: any)
    fixed: tuple[tuple[int, int], ...]  #: (axis, size) of each axis of fixed size
    tag: Tag | None  #: the tag outputs get (None for Void, which declares nothing)

    def __new__(cls, axes: Any = None, elements_type: Tag | None = None, optional: bool = False) -> NeuralType:
        key: tuple[Any, ...] | None = (cls, axes, elements_type, optional)
        try:
            found = _INTERNED.get(key)  # type: ignore[arg-type]  # not None here
        except TypeError:  # unhashable axes (a list): built each time
            key, found = None, None
        if found is not None:
            return found
        self = object.__new__(cls)
        self._build(axes, elements_type, optional)
        if key is not None and len(_INTERNED) < 8192:
            _INTERNED[key] = self
        return self

    def _build(self, axes: Any, elements_type: Tag | None, optional: bool) -> None:
        meaning = Void() if elements_type is None else elements_type
        if not isinstance(meaning, Tag):
            raise AnnotationError(f"NeuralType(elements_type={meaning!r}): an element type instance such as "
                                  "AudioSignal() is needed (a class was passed?)", code="NT101")
        if axes is None:
            kept: tuple[AxisType, ...] | None = None
            dims: tuple[Dim, ...] = (VariadicDim(None),)
            depth = 0
        else:
            kept = tuple(_axis(a) for a in axes)
            depth = next((i for i, a in enumerate(kept) if not a.is_list), len(kept))
            if any(a.is_list for a in kept[depth:]):
                raise AnnotationError(f"NeuralType{kept}: list axes (is_list=True) must come first", code="NT102")
            dims = tuple(a.to_dim() for a in kept[depth:])
        object.__setattr__(self, "axes", kept)
        object.__setattr__(self, "elements_type", meaning)
        object.__setattr__(self, "list_depth", depth)
        object.__setattr__(self, "optional", bool(optional))
        object.__setattr__(self, "spec", TensorSpec(meaning, dims, " ".join(map(str, dims)), ANY_DTYPE))
        object.__setattr__(self, "rank", None if kept is None else len(dims))
        sizes = tuple((i, d.size) for i, d in enumerate(dims) if isinstance(d, NamedDim) and d.size is not None)
        object.__setattr__(self, "fixed", sizes)
        object.__setattr__(self, "tag", None if type(meaning) is Void else meaning)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("NeuralType is immutable (types are shared between modules)")

    def compare(self, second: NeuralType) -> Compatibility:
        """How `second` (what is offered) relates to this (expected) type; cached by identity."""
        entry = _RESULTS.get((id(self), id(second)))
        if entry is not None and entry[0] is self and entry[1] is second:
            return entry[2]
        found = _compare(self, second)
        if len(_RESULTS) < 8192:
            _RESULTS[(id(self), id(second))] = (self, second, found)
        return found

    def __eq__(self, other: object) -> bool:
        """SAME both ways (NeMo's ``==`` returned an enum member, always true)."""
        return isinstance(other, NeuralType) and self.compare(other) is other.compare(self) is Compatibility.SAME

    def __hash__(self) -> int:
        return hash((type(self.elements_type), self.list_depth, len(self.spec.dims)))

    def __repr__(self) -> str:
        axes = "None" if self.axes is None else "(" + ", ".join(map(repr, self.axes)) + ")"
        optional = ", optional" if self.optional else ""
        return f"NeuralType({axes}, {self.elements_type!r}{optional})"

    __str__ = __repr__


#: (id, id) -> (expected, actual, result): the types are kept, so an id is not reused while its entry lives
_RESULTS: dict[tuple[int, int], tuple[NeuralType, NeuralType, Compatibility]] = {}


def _fields(meaning: Tag) -> Any:
    found = getattr(meaning, "fields", None)
    return found() if callable(found) else found


def _compare(expected: NeuralType, actual: NeuralType) -> Compatibility:
    if expected.axes is None and type(expected.elements_type) is Void:
        return Compatibility.SAME  # no axes and no meaning: accepts anything at all
    if expected.axes is not None and expected.list_depth != actual.list_depth:
        return Compatibility.INCOMPATIBLE  # a list axis and a tensor axis are different structures
    result = compare(expected.spec, actual.spec)
    if result.accepted and _fields(expected.elements_type) != _fields(actual.elements_type):
        return Compatibility.INCOMPATIBLE  # structured elements (bounding boxes...) must name the same fields
    return result


#: the NeMo kind each of the project's axis words stands for (a word not listed is a general axis, NeMo's "D")
_WORD_KINDS = {"batch": AxisKind.Batch, "time": AxisKind.Time, "frame": AxisKind.Time, "step": AxisKind.Time,
               "token": AxisKind.Time, "sample": AxisKind.Time, "width": AxisKind.Width, "height": AxisKind.Height,
               "sequence": AxisKind.Sequence, "flowgroup": AxisKind.FlowGroup, "singleton": AxisKind.Singleton}


def kind_of_word(name: str) -> AxisKind:
    """The NeMo kind of an axis name: its first word (``time_outputs`` -> Time); unknown words are Dimension."""
    return _WORD_KINDS.get(name.split("_")[0], AxisKind.Dimension)


def neural_type_of(annotation: Any, *, optional: bool = False) -> NeuralType:
    """NeMo's view of one of our annotations or `TensorSpec`s: axis names read as kinds (`kind_of_word`), fixed
    sizes kept, the tag as the element type.

    ```python
    neural_type_of(AudioSignal[Tensor, "batch time", 16000])  # NeuralType((batch, time), AudioSignal(sample_rate=16000))
    ```
    """
    spec = annotation if isinstance(annotation, TensorSpec) else spec_of(annotation)
    if spec is None:
        raise AnnotationError(f"neural_type_of(): {annotation!r} is not a neural-type annotation", code="NT101")
    if any(isinstance(d, VariadicDim) for d in spec.dims):
        if len(spec.dims) != 1:
            raise AnnotationError(f"neural_type_of(): NeMo has no variadic axes inside a shape ({spec.shape})",
                                  code="NT102")
        return NeuralType(None, spec.tag, optional)
    axes = []
    for dim in spec.dims:
        if isinstance(dim, NamedDim):
            axes.append(AxisType(kind_of_word(dim.name), dim.size))
        elif isinstance(dim, FixedDim):
            axes.append(AxisType(AxisKind.Dimension, dim.size))
        else:
            axes.append(AxisType(AxisKind.Any))
    return NeuralType(tuple(axes), spec.tag, optional)
