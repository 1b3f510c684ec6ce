"""nemo_compat.typecheck: every call-time behaviour NeMo's typecheck tests check, in our own cases, and our fixes."""

from __future__ import annotations

import threading
from typing import Any, NamedTuple

import pytest
import torch
from torch import Tensor

import neuraltypes as nt
from neuraltypes import Compatibility as R
from neuraltypes import ContractViolation
from neuraltypes.nemo_compat import (
    AcousticEncodedRepresentation,
    AxisType,
    CategoricalValuesType,
    ChannelType,
    ElementType,
    LabelsType,
    LengthsType,
    LogitsType,
    LogprobsType,
    NeuralModule,
    NeuralType,
    Typing,
    TypingRequired,
    is_semantic_typecheck_enabled,
    is_typecheck_enabled,
    typecheck,
)

VECTOR = NeuralType(("B",), ElementType())
LOGITS = NeuralType(("B", "D"), LogitsType())


class Ports(Typing):
    """A callable whose ports are given per test; ``body`` is what the call returns."""

    def __init__(self, inputs: Any = None, outputs: Any = None, body: Any = None) -> None:
        self._inputs, self._outputs, self.body = inputs, outputs, body or (lambda **kw: next(iter(kw.values())))

    @property
    def input_types(self) -> Any:
        return self._inputs

    @property
    def output_types(self) -> Any:
        return self._outputs

    @typecheck()
    def __call__(self, **kwargs: Any) -> Any:
        return self.body(**kwargs)


def test_without_types_the_call_passes_through_untouched() -> None:
    out = Ports()(x=torch.zeros(3))
    assert not hasattr(out, "neural_type")


def test_outputs_carry_their_declared_type_and_our_tag() -> None:
    out = Ports({"x": VECTOR}, {"y": LOGITS}, lambda x: torch.zeros(len(x), 4))(x=torch.zeros(5))
    assert out.neural_type is LOGITS and out.neural_type.compare(LOGITS) is R.SAME
    assert nt.tag_of(out) is LogitsType()


def test_inputs_only_leaves_outputs_untyped() -> None:
    out = Ports({"x": VECTOR, "y": VECTOR}, None, lambda x, y: x + y)(x=torch.zeros(4), y=torch.ones(4))
    assert out.sum() == 4 and not hasattr(out, "neural_type")


def test_unknown_keyword_missing_and_extra_arguments_are_refused() -> None:
    typed = Ports({"x": VECTOR})
    with pytest.raises(ContractViolation, match=r"\[NT213\].*port 'a'") as caught:
        typed(a=torch.zeros(3))
    assert "no input port is named 'a'" in str(caught.value)
    with pytest.raises(ContractViolation, match="2 argument"):
        typed(x=torch.zeros(3), y=torch.zeros(3))
    with pytest.raises(ContractViolation, match="0 argument"):
        typed()


class Keywords(Typing):
    @property
    def input_types(self) -> dict[str, NeuralType]:
        return {"x": VECTOR}

    @typecheck()
    def __call__(self, x: Tensor) -> Tensor:
        return x + 1


class OutputsOnly(Typing):
    @property
    def output_types(self) -> dict[str, NeuralType]:
        return {"y": VECTOR}

    @typecheck()
    def __call__(self, x: Tensor) -> Tensor:
        return x + 1


def test_positional_arguments_are_refused_only_when_inputs_are_typed() -> None:
    with pytest.raises(ContractViolation, match="1 positional argument") as caught:
        Keywords()(torch.zeros(3))
    assert "module(audio_signal=x, length=n)" in caught.value.hint
    assert OutputsOnly()(torch.zeros(3)).neural_type is VECTOR  # NeMo's collate_fn case


def test_several_outputs_plain_tuple_and_namedtuple_are_each_tagged() -> None:
    class Pair(NamedTuple):
        y: Tensor
        z: Tensor

    two = {"y": VECTOR, "z": NeuralType(("B",), ChannelType())}
    for body in (lambda x: (x + 1, x + 2), lambda x: Pair(x + 1, x + 2)):
        y, z = Ports(None, two, body)(x=torch.zeros(3))
        assert y.neural_type is VECTOR and z.neural_type is two["z"]


def test_list_outputs_nested_as_declared_and_refused_otherwise() -> None:
    mixed = {"y": VECTOR, "zs": [VECTOR]}
    y, zs = Ports(None, mixed, lambda x: (x, [x + 1, x + 2]))(x=torch.zeros(3))
    assert y.neural_type is VECTOR and all(z.neural_type is VECTOR for z in zs)
    with pytest.raises(ContractViolation, match=r"\[NT211\].*port 'y'"):
        Ports(None, mixed, lambda x: ([x, x], x))(x=torch.zeros(3))
    with pytest.raises(ContractViolation, match="3 output"):
        Ports(None, {"w": VECTOR}, lambda x: (x, x, x))(x=torch.zeros(3))


def test_one_list_port_takes_a_returned_list_or_one_wrapped_in_a_tuple() -> None:
    port = {"ys": [LOGITS]}
    bare = Ports(None, port, lambda x: [torch.zeros(2, 4)] * 3)(x=torch.zeros(2))
    wrapped = Ports(None, port, lambda x: ([torch.zeros(2, 4)] * 3,))(x=torch.zeros(2))
    assert len(bare) == 3 and all(y.neural_type is LOGITS for y in bare)
    assert len(wrapped) == 1 and all(y.neural_type is LOGITS for y in wrapped[0])
    with pytest.raises(ContractViolation, match="1 list level"):
        Ports(None, {"ys": [[LOGITS]]}, lambda x: (x, x, x))(x=torch.zeros(2, 4))


def test_nested_list_inputs_are_checked_at_their_declared_depth() -> None:
    typed = Ports({"x": [[NeuralType(("D",), ElementType())]]}, {"y": [[NeuralType(("D",), ElementType())]]})
    ok = [[torch.zeros(4)] * 3, [torch.zeros(4)], [torch.zeros(4)] * 2]
    out = typed(x=ok)
    assert all(item.neural_type.compare(NeuralType(("D",), ElementType())) is R.SAME for row in out for item in row)
    with pytest.raises(ContractViolation, match=r"\[NT203\].*port 'x'"):
        typed(x=[[torch.zeros(4, 4)]])
    with pytest.raises(ContractViolation, match="found 3 list level"):
        typed(x=[[[torch.zeros(4)]]])
    with pytest.raises(ContractViolation, match="found 1 list level"):
        typed(x=[torch.zeros(4)])


def test_ignore_collections_checks_list_items_at_any_depth() -> None:
    class Loose(Typing):
        @property
        def input_types(self) -> dict[str, NeuralType]:
            return {"w": LOGITS}

        @property
        def output_types(self) -> dict[str, NeuralType]:
            return {"u0": NeuralType(("B",), LogprobsType()), "u1": NeuralType(("B",), LabelsType())}

        @typecheck(ignore_collections=True)
        def __call__(self, w: Any) -> Any:
            return [[w[0][0].max(-1)[1], w[0][1].max(-1)[1]], [w[1][0].max(-1)[1]]]

    logits = torch.zeros(5, 4)
    u0, u1 = Loose()(w=[[logits, logits], [logits]])
    assert u0[1].neural_type.compare(NeuralType(("B",), LogprobsType())) is R.SAME
    assert u1[0].neural_type.compare(NeuralType(("B",), LabelsType())) is R.SAME


def test_meaning_travels_from_module_to_module() -> None:
    make_logits = Ports({"x": VECTOR}, {"y": LOGITS}, lambda x: torch.randn(len(x), 4))
    to_labels = Ports({"w": LOGITS}, {"u": NeuralType(("B",), LabelsType())}, lambda w: w.max(-1)[1])
    labels = to_labels(w=make_logits(x=torch.zeros(6)))
    assert labels.shape == (6,) and labels.neural_type.compare(NeuralType(("B",), LabelsType())) is R.SAME
    with pytest.raises(ContractViolation, match=r"\[NT207\].*port 'w'") as caught:
        Ports({"w": NeuralType(("B",), LogitsType())})(w=labels)
    assert "INCOMPATIBLE" in str(caught.value)


def test_a_tensor_tagged_by_our_annotated_modules_is_checked_too() -> None:
    @nt.checked
    def encode(x: nt.Logits[Tensor, "batch vocab"]) -> nt.AcousticEncoded[Tensor, "batch channel"]:
        return x * 2

    wants_logits = Ports({"w": LOGITS})
    with pytest.raises(ContractViolation, match="it is tagged AcousticEncoded"):
        wants_logits(w=encode(torch.zeros(2, 3)))
    assert Ports({"e": NeuralType(("B", "D"), AcousticEncodedRepresentation())})(e=encode(torch.zeros(2, 3))) is not None


def test_declared_axis_sizes_are_checked_unlike_nemo() -> None:
    sized = Ports({"x": NeuralType((AxisType("B"), AxisType("D", 80)), ElementType())})
    sized(x=torch.zeros(2, 80))
    with pytest.raises(ContractViolation, match=r"\[NT204\].*\n.*\n.*\n.*axis 1 \(channel:80\) has size 64"):
        sized(x=torch.zeros(2, 64))


def test_wrong_rank_in_and_out() -> None:
    with pytest.raises(ContractViolation, match=r"rank 1, expected 2 axes"):
        Ports({"x": NeuralType(("B", "T"), ElementType())})(x=torch.zeros(10))
    with pytest.raises(ContractViolation, match=r"port 'w'.*\n(.*\n)*.*rank 1, expected 3"):
        Ports({"x": VECTOR}, {"w": NeuralType(("B", "T", "D"), ElementType())})(x=torch.zeros(10))


def test_optional_inputs_may_be_left_out() -> None:
    typed = Ports({"x": VECTOR, "y": NeuralType(("B",), ElementType(), optional=True)},
                  None, lambda x, y=None: x if y is None else x + y)
    assert typed(x=torch.zeros(3)).sum() == 0
    assert typed(x=torch.zeros(3), y=torch.full([3], 5, dtype=torch.int32)).sum() == 15
    with pytest.raises(ContractViolation, match="the mandatory port 'x' is not given"):  # NeMo counted only
        typed(y=torch.zeros(3))


def test_types_may_depend_on_the_object_state() -> None:
    class Modal(Typing):
        mode = "train"

        @property
        def input_types(self) -> dict[str, NeuralType]:
            return {"x": VECTOR} if self.mode == "train" else {"y": NeuralType(("B",), ChannelType())}

        @typecheck()
        def run(self, **kw: Tensor) -> Tensor:
            return next(iter(kw.values()))

    modal = Modal()
    modal.run(x=torch.zeros(2))
    with pytest.raises(ContractViolation, match="port 'y'"):
        modal.run(y=torch.zeros(2))
    modal.mode = "infer"
    modal.run(y=torch.zeros(2))


def test_decorator_overrides_replace_the_object_types_for_one_method() -> None:
    class Overrides(Typing):
        @property
        def output_types(self) -> dict[str, NeuralType]:
            return {"y": VECTOR}

        @typecheck(input_types={"z": NeuralType(("B",), CategoricalValuesType())},
                   output_types={"z": NeuralType(("B",), CategoricalValuesType())})
        def forward(self, z: Tensor) -> Tensor:
            return z - 1

    out = Overrides().forward(z=torch.zeros(4))
    assert out.neural_type.compare(NeuralType(("B",), CategoricalValuesType())) is R.SAME
    with pytest.raises(ContractViolation, match="port 'x'"):
        Overrides().forward(x=torch.zeros(4))


def test_only_typing_objects_may_be_checked() -> None:
    class NotTyping:
        @typecheck()
        def __call__(self, x: Tensor) -> Tensor:
            return x

    with pytest.raises(TypingRequired, match="inherit neuraltypes.nemo_compat.Typing") as caught:
        NotTyping()(x=torch.zeros(1))
    assert isinstance(caught.value, RuntimeError) and caught.value.code == "NT111"


def test_disable_checks_is_scoped_and_nesting_restores_the_outer_state() -> None:
    typed = Ports({"x": VECTOR}, {"y": VECTOR})
    with typecheck.disable_checks():
        assert not hasattr(typed(x=torch.zeros(2, 2)), "neural_type")  # nothing checked, nothing attached
        with typecheck.disable_checks():
            pass
        typed(x=torch.zeros(2, 2))  # NeMo re-enabled checking when the inner block exited
    with pytest.raises(ContractViolation):
        typed(x=torch.zeros(2, 2))


def test_disable_checks_does_not_leak_into_other_threads() -> None:
    typed, seen = Ports({"x": VECTOR}), []

    def other() -> None:
        try:
            typed(x=torch.zeros(2, 2))
        except ContractViolation:
            seen.append("checked")

    with typecheck.disable_checks():
        worker = threading.Thread(target=other)
        worker.start()
        worker.join()
    assert seen == ["checked"]


def test_process_wide_switches_as_in_nemo() -> None:
    typed = Ports({"x": NeuralType(("B",), LogprobsType())}, {"y": NeuralType(("B",), LabelsType())})
    labelled = torch.zeros(3)
    labelled.neural_type = NeuralType(("B",), LabelsType())
    try:
        typecheck.set_semantic_check_enabled(False)
        assert not is_semantic_typecheck_enabled()
        assert typed(x=labelled).neural_type.compare(NeuralType(("B",), LabelsType())) is R.SAME
        typecheck.set_typecheck_enabled(False)
        assert not is_typecheck_enabled()
        typed(x=torch.zeros(3, 3))
    finally:
        typecheck.set_typecheck_enabled(True)
        typecheck.set_semantic_check_enabled(True)
    with pytest.raises(ContractViolation, match=r"\[NT207\]"):
        typed(x=labelled)


def test_disable_semantic_checks_keeps_shapes_and_still_attaches_outputs() -> None:
    typed = Ports({"x": NeuralType(("B",), LogprobsType())}, {"y": NeuralType(("B",), LabelsType())})
    labelled = torch.zeros(3)
    labelled.neural_type = NeuralType(("B",), LabelsType())
    with typecheck.disable_semantic_checks():
        assert typed(x=labelled).neural_type.compare(NeuralType(("B",), LabelsType())) is R.SAME
        with pytest.raises(ContractViolation, match="rank 2"):
            typed(x=torch.zeros(3, 3))


def test_neural_module_is_a_torch_module_with_typing() -> None:
    class Encoder(NeuralModule):
        @property
        def input_types(self) -> dict[str, NeuralType]:
            return {"features": NeuralType(("B", "D", "T"), AcousticEncodedRepresentation()),
                    "lengths": NeuralType(("B",), LengthsType())}

        @property
        def output_types(self) -> dict[str, NeuralType]:
            return {"logits": LOGITS}

        @typecheck()
        def forward(self, features: Tensor, lengths: Tensor) -> Tensor:
            return features.mean(-1)

    encoder = Encoder()
    assert isinstance(encoder, torch.nn.Module)
    out = encoder(features=torch.zeros(2, 3, 5), lengths=torch.tensor([5, 4]))
    assert out.neural_type is LOGITS
    with pytest.raises(ContractViolation, match=r"Encoder\.forward: port 'lengths'"):
        encoder(features=torch.zeros(2, 3, 5), lengths=torch.zeros(2, 1))
