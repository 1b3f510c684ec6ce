"""Error text is API: each violation names the function, the parameter, dtype[shape] and tag, the expected
annotation, the bindings so far (with their source) and a hint. No tensor values, no module repr."""

from __future__ import annotations

import pytest
import torch
from torch import Tensor

import neuraltypes as nt
from neuraltypes import AnnotationError, AudioSignal, ContractViolation, checked
from neuraltypes.examples import Decoder, Encoder, Features


def violation(call) -> ContractViolation:  # type: ignore[no-untyped-def]
    with pytest.raises(ContractViolation) as info:
        call()
    return info.value


def test_wrong_sample_rate() -> None:
    audio = nt.tag(torch.randn(2, 800), nt.tags.AudioSignal(8000))
    error = violation(lambda: Features()(audio, torch.tensor([800, 800])))
    assert error.code == "NT208" and error.parameter == "audio" and error.function == "Features.forward"
    text = str(error)
    assert text.splitlines()[0] == "[NT208] Features.forward: parameter 'audio' breaks its contract"
    assert "got:      float32[2,800] AudioSignal(sample_rate=8000)" in text
    assert 'expected: AudioSignal[Tensor, "batch time", sample_rate=16000]  (float[batch time])' in text
    assert "hint:     resample 8000 Hz -> 16000 Hz (torchaudio.functional.resample)" in text


def test_transposed_spectrogram() -> None:
    mel = torch.randn(2, 50, 8)  # batch frame mel instead of batch mel frame
    error = violation(lambda: Encoder()(mel, torch.tensor([50, 50])))
    assert error.code == "NT204" and error.parameter == "features"
    assert "problem:  dim 'mel' (axis 1) has size 50, expected 8" in str(error)
    assert "hint:     transpose mel and frame? (x.transpose(1, 2))" in str(error)


def test_batch_mismatch_names_the_binding_and_its_source() -> None:
    error = violation(lambda: Encoder()(torch.randn(4, 8, 10), torch.tensor([10, 10, 10])))
    assert error.code == "NT205" and error.parameter == "lengths"
    text = str(error)
    assert "problem:  dim 'batch' (axis 0) is 3 here but 4 from 'features'" in text
    assert "bindings: batch=4 (from features), mel=8 (from features), frame=10 (from features)" in text
    assert "got:      int64[3] (untagged)" in text


def test_wrong_dtype() -> None:
    error = violation(lambda: Encoder()(torch.randn(2, 8, 10), torch.tensor([10.0, 10.0])))
    assert error.code == "NT202" and error.parameter == "lengths"
    assert "problem:  dtype float32 is not int" in str(error)
    assert "hint:     cast with .long()" in str(error)


def test_wrong_tag() -> None:
    mel = nt.tag(torch.randn(2, 16, 10), nt.tags.MelSpectrogram())
    error = violation(lambda: Decoder()(mel))
    assert error.code == "NT207" and error.parameter == "encoded"
    assert "problem:  a MelSpectrogram is not an AcousticEncoded" in str(error)


def test_violations_are_type_errors_and_never_print_values() -> None:
    secret = torch.full((3, 7), 123.456)
    error = violation(lambda: Decoder()(secret))
    assert isinstance(error, TypeError)
    assert "123.4" not in str(error) and "Conv1d" not in str(error)


def test_not_a_tensor() -> None:
    error = violation(lambda: Decoder()([[1.0]]))
    assert error.code == "NT201" and "expected a torch.Tensor, got list" in str(error)


def test_rank_with_a_missing_batch_axis() -> None:
    error = violation(lambda: Decoder()(torch.randn(16, 10)))
    assert error.code == "NT203"
    assert "hint:     missing the leading 'batch' axis? (x.unsqueeze(0))" in str(error)


@pytest.mark.parametrize(
    ("make", "code", "text"),
    [
        (lambda: AudioSignal[Tensor], "NT101", "needs the array type and a shape"),
        (lambda: AudioSignal[int, "batch"], "NT101", "the first item must be torch.Tensor"),
        (lambda: AudioSignal[Tensor, "batch ti$me"], "NT102", "dim 'ti$me'"),
        (lambda: AudioSignal[Tensor, "... *rest"], "NT102", "at most one ... or *name"),
        (lambda: AudioSignal[Tensor, "batch", 16000, 2], "NT103", "takes at most 1 parameter"),
        (lambda: AudioSignal[Tensor, "batch", nt.params(rate=1)], "NT103", "has no parameter 'rate'"),
        (lambda: AudioSignal[Tensor, "batch", object()], "NT101", "unexpected extra item"),
    ],
)
def test_malformed_annotations_fail_when_written(make, code: str, text: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(AnnotationError, match=text.replace("$", r"\$").replace("*", r"\*")) as info:
        make()
    assert info.value.code == code


def test_unbound_expression_fails_at_decoration_time() -> None:
    with pytest.raises(AnnotationError, match="uses frame-1, but frame is bound by no earlier argument") as info:

        @checked
        def f(x: AudioSignal[Tensor, "batch frame-1"]) -> None: ...

    assert info.value.code == "NT104"


def test_unions_of_neural_types_are_refused() -> None:
    with pytest.raises(AnnotationError, match="a union of neural types is not supported"):

        @checked
        def f(x: AudioSignal[Tensor, "batch"] | nt.Lengths[Tensor, "batch"]) -> None: ...


def test_an_inherited_method_is_named_after_the_concrete_class() -> None:
    class Base(nt.NeuralModule):
        @checked
        def convert(self, x: AudioSignal[Tensor, "batch time"]) -> AudioSignal[Tensor, "batch time"]:
            return x

    class HiFi(Base):
        pass

    error = violation(lambda: HiFi().convert(torch.zeros(3)))
    assert error.function.endswith("HiFi.convert") and "HiFi.convert: parameter 'x'" in str(error)
