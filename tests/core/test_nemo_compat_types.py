"""nemo_compat's type objects: what NeMo's type-system tests check, in our own cases, plus our documented fixes."""

from __future__ import annotations

import pytest
import torch
from torch import Tensor

import neuraltypes as nt
from neuraltypes import AnnotationError
from neuraltypes import Compatibility as R
from neuraltypes.nemo_compat import (
    AcousticEncodedRepresentation,
    AudioSignal,
    AxisKind,
    AxisKindAbstract,
    AxisType,
    ChannelType,
    ElementType,
    LengthsType,
    MelSpectrogramType,
    MFCCSpectrogramType,
    NeuralType,
    SpectrogramType,
    VoidType,
    kind_of_word,
    neural_type_of,
)


def test_axis_kinds_by_object_or_label_build_the_same_type() -> None:
    spelled = NeuralType((AxisType(AxisKind.Batch), AxisType(AxisKind.Channel), AxisType(AxisKind.Time, None)),
                         AcousticEncodedRepresentation())
    short = NeuralType(("b", " D ", "t"), AcousticEncodedRepresentation())
    assert spelled.compare(short) is R.SAME and short.compare(spelled) is R.SAME
    assert AxisKind.from_str("N") is AxisKind.Batch and AxisKind.from_str("t_audio_") is AxisKind.Time


def test_unknown_axis_label_is_an_annotation_error() -> None:
    with pytest.raises(AnnotationError, match="unknown NeMo axis label 'Q'"):
        NeuralType(("B", "Q"))


def test_sample_rate_parameter_by_position_or_by_nemo_keyword() -> None:
    assert AudioSignal(freq=22050) is AudioSignal(22050)
    at_16k, at_8k = NeuralType(("B", "T"), AudioSignal(16000)), NeuralType(("B", "T"), AudioSignal(freq=8000))
    assert at_16k.compare(at_8k) is R.SAME_TYPE_INCOMPATIBLE_PARAMS
    assert at_8k.compare(at_16k) is R.SAME_TYPE_INCOMPATIBLE_PARAMS
    assert at_16k.compare(NeuralType(("B", "T"), AudioSignal(16000))) is R.SAME


@pytest.mark.parametrize("element", [None, AudioSignal(16000)])
def test_same_axes_in_another_order_are_a_transpose(element: ElementType | None) -> None:
    first, second = NeuralType(("T", "B"), element), NeuralType(("B", "T"), element)
    assert first.compare(second) is R.TRANSPOSE_SAME and second.compare(first) is R.TRANSPOSE_SAME


def test_siblings_are_incompatible_and_parents_less() -> None:
    parent = NeuralType(("B", "D", "T"), SpectrogramType())
    mel, mfcc = NeuralType(("B", "D", "T"), MelSpectrogramType()), NeuralType(("B", "D", "T"), MFCCSpectrogramType())
    assert mel.compare(mfcc) is R.INCOMPATIBLE and mfcc.compare(mel) is R.INCOMPATIBLE
    assert parent.compare(mel) is R.GREATER and parent.compare(mfcc) is R.GREATER
    assert mel.compare(parent) is R.LESS and mfcc.compare(parent) is R.LESS


def test_no_axes_and_no_element_type_accepts_anything() -> None:
    anything = [NeuralType(), NeuralType(elements_type=VoidType())]
    offered = [NeuralType(), NeuralType(("B", "T", "C"), SpectrogramType()), NeuralType(("B",), ChannelType()),
               NeuralType((AxisType("B", is_list=True), AxisType("D", 32)), ChannelType())]
    assert all(a.compare(o) is R.SAME for a in anything for o in offered)


def test_void_elements_accept_any_meaning_but_are_not_accepted() -> None:
    void, spectrum = NeuralType(("B", "T", "C"), VoidType()), NeuralType(("B", "T", "C"), SpectrogramType())
    assert void.compare(spectrum) is R.SAME
    assert spectrum.compare(void) is R.INCOMPATIBLE
    assert void.compare(NeuralType(("B", "T"), SpectrogramType())) is R.INCOMPATIBLE  # rank


def test_fixed_sizes_unsized_expected_accepts_sized_actual_not_the_reverse() -> None:
    sized = NeuralType((AxisType("B", 64), AxisType("T", 10), AxisType("D", 128)), SpectrogramType())
    unsized = NeuralType(("B", "T", "C"), SpectrogramType())
    assert unsized.compare(sized) is R.SAME
    assert sized.compare(unsized) is R.DIM_INCOMPATIBLE


def test_any_axis_matches_only_on_the_expected_side() -> None:
    void_any, spectrum_any = NeuralType(("B", "Any", "Any"), VoidType()), NeuralType(("B", "Any", "Any"),
                                                                                     SpectrogramType())
    concrete = NeuralType(("B", "T", "C"), SpectrogramType())
    assert void_any.compare(spectrum_any) is R.SAME and void_any.compare(concrete) is R.SAME
    assert spectrum_any.compare(concrete) is R.SAME
    assert concrete.compare(spectrum_any) is R.INCOMPATIBLE and spectrum_any.compare(void_any) is R.INCOMPATIBLE


def test_list_axes_lead_and_differ_from_tensor_axes() -> None:
    listed = NeuralType((AxisType(AxisKind.Batch, is_list=True), AxisType(AxisKind.Time, is_list=True),
                         AxisType(AxisKind.Dimension, 32)), ChannelType())
    tensor = NeuralType((AxisType(AxisKind.Batch), AxisType(AxisKind.Time), AxisType(AxisKind.Dimension, 32)),
                        ChannelType())
    assert listed.list_depth == 2 and listed.rank == 1
    assert listed.compare(tensor) is R.INCOMPATIBLE  # NeMo's own test leaves this open ("TODO")
    assert listed.compare(NeuralType(listed.axes, ChannelType())) is R.SAME
    with pytest.raises(AnnotationError, match="list axis cannot have a fixed size"):
        AxisType(AxisKind.Batch, 4, is_list=True)
    with pytest.raises(AnnotationError, match="must come first"):
        NeuralType((AxisType("B"), AxisType("T", is_list=True)))


def test_axes_may_mix_letters_and_axis_types() -> None:
    # NeMo 3.0.0 fails on such axes (AttributeError; ValueError when compared): docs/porting-from-nemo.md's table
    mixed = NeuralType(("B", AxisType(AxisKind.Dimension, 80), "T"), MelSpectrogramType())
    spelled = NeuralType((AxisType(AxisKind.Batch), AxisType(AxisKind.Dimension, 80), AxisType(AxisKind.Time)),
                         MelSpectrogramType())
    assert mixed.compare(spelled) is R.SAME and spelled.compare(mixed) is R.SAME
    assert mixed.compare(NeuralType(("B", AxisType(AxisKind.Dimension, 64), "T"), MelSpectrogramType())) \
        is R.DIM_INCOMPATIBLE


def test_user_element_types_with_fields_and_user_axis_kinds() -> None:
    class Kinds(AxisKindAbstract):
        Image = 0

    class Box(ElementType):
        def fields(self) -> tuple[str, ...]:
            return ("x", "y", "w", "h")

    class FlatBox(Box):
        def fields(self) -> tuple[str, ...]:
            return ("x", "y", "h")

    class Other(ElementType):
        pass

    def boxes(element: ElementType) -> NeuralType:
        return NeuralType((AxisType(AxisKind.Batch, is_list=True), AxisType(Kinds.Image, is_list=True)), element)

    assert str(Kinds.Image) == "image"
    assert boxes(Box()).compare(boxes(Box())) is R.SAME
    assert boxes(Box()).compare(boxes(FlatBox())) is R.INCOMPATIBLE  # a child, but its fields differ
    assert boxes(Box()).compare(boxes(Other())) is R.INCOMPATIBLE
    image = NeuralType((AxisType(Kinds.Image),), Box())
    assert image.spec.shape == "image"


def test_equality_is_a_symmetric_boolean_and_types_are_shared() -> None:
    a = NeuralType(("B", "T"), AudioSignal(16000))
    assert a is NeuralType(("B", "T"), AudioSignal(16000))  # interned
    assert a == NeuralType(("B", "T"), AudioSignal()) and a != NeuralType(("B", "T"), AudioSignal(8000))
    assert NeuralType(("B", "T")) != NeuralType(("B", "T"), SpectrogramType())  # SAME one way only is not equal
    with pytest.raises(AttributeError, match="immutable"):
        a.optional = True  # type: ignore[misc]


def test_element_type_class_instead_of_instance_is_refused() -> None:
    with pytest.raises(AnnotationError, match="a class was passed"):
        NeuralType(("B",), LengthsType)  # type: ignore[arg-type]


@pytest.mark.parametrize(("word", "kind"), [("batch", AxisKind.Batch), ("frame", AxisKind.Time),
                                            ("time_outputs", AxisKind.Time), ("mel", AxisKind.Dimension),
                                            ("channel_2", AxisKind.Dimension)])
def test_axis_words_read_back_as_kinds(word: str, kind: AxisKind) -> None:
    assert kind_of_word(word) is kind


def test_neural_type_of_our_annotation_compares_same_to_nemos_spelling() -> None:
    ours = neural_type_of(nt.MelSpectrogram[Tensor, "batch mel frame"])
    assert NeuralType(("B", "D", "T"), MelSpectrogramType()).compare(ours) is R.SAME
    assert neural_type_of(nt.AudioSignal[Tensor, "batch time", 16000]) == NeuralType(("B", "T"), AudioSignal(16000))
    sized = neural_type_of(nt.MelSpectrogram[Tensor, "batch mel:80 frame"])
    assert sized.axes is not None and sized.axes[1].size == 80
    with pytest.raises(AnnotationError, match="not a neural-type annotation"):
        neural_type_of(torch.Tensor)
