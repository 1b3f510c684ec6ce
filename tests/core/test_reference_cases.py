"""Every case of shared/reference/neural-types.md, in NeMo's notation (neuraltypes.nemo_compat)."""

from __future__ import annotations

import pytest

from neuraltypes import Compatibility as R
from neuraltypes.nemo_compat import (
    AcousticEncodedRepresentation,
    AudioSignal,
    AxisKind,
    AxisType,
    MelSpectrogramType,
    MFCCSpectrogramType,
    SpectrogramType,
    VoidType,
)
from neuraltypes.nemo_compat import (
    NeuralType as NT,
)


class HiRes(AudioSignal):
    """A user-defined child of AudioSignal (case 30)."""


def sized(*pairs: tuple[str, int]) -> tuple[AxisType, ...]:
    return tuple(AxisType(AxisKind.from_str(kind), size) for kind, size in pairs)


BTC = ("B", "T", "C")
BDT = ("B", "D", "T")

CASES = [
    ("01", NT((AxisKind.Batch, AxisKind.Dimension, AxisKind.Time), AcousticEncodedRepresentation()),
     NT(BDT, AcousticEncodedRepresentation()), R.SAME, R.SAME),
    ("02", NT(("B", "T"), AudioSignal(8000)), NT(("B", "T"), AudioSignal(16000)),
     R.SAME_TYPE_INCOMPATIBLE_PARAMS, R.SAME_TYPE_INCOMPATIBLE_PARAMS),
    ("03", NT(("B", "T"), AudioSignal(16000)), NT(("B", "T"), AudioSignal(16000)), R.SAME, None),
    ("04", NT(("B", "T"), AudioSignal()), NT(("B", "T"), AudioSignal(16000)), R.SAME, R.SAME),
    ("05", NT(BTC), NT(("T", "B", "C")), R.TRANSPOSE_SAME, R.TRANSPOSE_SAME),
    ("06", NT(("B", "T"), AudioSignal(16000)), NT(("T", "B"), AudioSignal(16000)), R.TRANSPOSE_SAME, None),
    ("07", NT(BDT, MelSpectrogramType()), NT(BDT, MFCCSpectrogramType()), R.INCOMPATIBLE, R.INCOMPATIBLE),
    ("08", NT(BDT, SpectrogramType()), NT(BDT, MelSpectrogramType()), R.GREATER, None),
    ("09", NT(BDT, MelSpectrogramType()), NT(BDT, SpectrogramType()), R.LESS, None),
    ("10", NT(), NT(), R.SAME, None),
    ("12", NT(BTC, VoidType()), NT(BTC, SpectrogramType()), R.SAME, None),
    ("13", NT(BTC, SpectrogramType()), NT(BTC, VoidType()), R.INCOMPATIBLE, None),
    ("14", NT(BTC, VoidType()), NT(("B", "T"), SpectrogramType()), R.INCOMPATIBLE, None),
    ("16", NT(BTC, SpectrogramType()), NT(sized(("B", 64), ("T", 10), ("D", 128)), SpectrogramType()), R.SAME, None),
    ("17", NT(sized(("B", 64), ("T", 10), ("D", 128)), SpectrogramType()), NT(BTC, SpectrogramType()),
     R.DIM_INCOMPATIBLE, None),
    ("18", NT(("B", "Any", "Any"), VoidType()), NT(BTC, SpectrogramType()), R.SAME, None),
    ("19", NT(("B", "Any", "Any"), SpectrogramType()), NT(BTC, SpectrogramType()), R.SAME, None),
    ("20", NT(BTC, SpectrogramType()), NT(("B", "Any", "Any"), SpectrogramType()), R.INCOMPATIBLE, None),
    ("21", NT(("B", "Any", "Any"), SpectrogramType()), NT(("B", "Any", "Any"), VoidType()), R.INCOMPATIBLE, None),
    ("27", NT(("T", "Any")), NT(("B", "D")), R.INCOMPATIBLE, None),
    ("28", NT((("B", 4), "Any")), NT((("B", 8), "T")), R.DIM_INCOMPATIBLE, None),
    ("30", NT(("B", "T"), AudioSignal(16000)), NT(("B", "T"), HiRes(8000)), R.SAME_TYPE_INCOMPATIBLE_PARAMS, None),
]


@pytest.mark.parametrize(("case", "expected", "actual", "forward", "backward"), CASES, ids=[c[0] for c in CASES])
def test_reference_case(case: str, expected: NT, actual: NT, forward: R, backward: R | None) -> None:
    assert expected.compare(actual) is forward
    if backward is not None:
        assert actual.compare(expected) is backward


@pytest.mark.parametrize("other", [NT(), NT(BTC, SpectrogramType()), NT(("B",), AudioSignal(8000)), NT(("T", "B"))])
def test_case_15_void_without_axes_accepts_anything(other: NT) -> None:
    assert NT().compare(other) is R.SAME


def test_subclass_with_matching_parameters_is_greater() -> None:
    assert NT(("B", "T"), AudioSignal(16000)).compare(NT(("B", "T"), HiRes(16000))) is R.GREATER


def test_equality_is_a_real_boolean() -> None:
    a, b = NT(("B", "T"), AudioSignal(16000)), NT(("B", "T"), AudioSignal(8000))
    assert (a == NT(("B", "T"), AudioSignal(16000))) is True
    assert (a == b) is False
    assert (a != b) is True


def test_only_same_and_greater_are_accepted() -> None:
    assert {r for r in R if r.accepted} == {R.SAME, R.GREATER}
