"""torch.compile and torch.export on typed modules."""

from __future__ import annotations

import warnings

import pytest
import torch
from torch import Tensor

import neuraltypes as nt
from neuraltypes import AcousticEncoded, ContractViolation, Lengths, LogProbs, NeuralModule
from neuraltypes.examples import Pipeline


@pytest.fixture(autouse=True)
def _fresh_dynamo() -> None:
    warnings.filterwarnings("ignore")
    torch._dynamo.reset()
    torch._dynamo.utils.counters.clear()


def graph_breaks() -> int:
    return sum(torch._dynamo.utils.counters["graph_break"].values())


def test_fullgraph_compile_has_no_graph_breaks_and_equals_eager(audio: Tensor, lengths: Tensor) -> None:
    model = Pipeline().eval()
    eager = model(audio, lengths)
    compiled = torch.compile(model, fullgraph=True, backend="eager")
    out = compiled(audio, lengths)
    assert graph_breaks() == 0
    assert torch.equal(out[0], eager[0]) and torch.equal(out[1], eager[1])
    assert nt.tag_of(out[0]) == nt.tags.LogProbs()  # tags survive compilation


def test_default_compile_has_no_graph_breaks_and_reports_our_error(audio: Tensor, lengths: Tensor) -> None:
    compiled = torch.compile(Pipeline().eval(), backend="eager")
    compiled(audio, lengths)
    assert graph_breaks() == 0
    with pytest.raises(ContractViolation, match="dim 'batch'") as info:
        compiled(torch.randn(3, 800), lengths)
    assert info.value.code == "NT205"


def test_fullgraph_violation_is_refused_by_dynamo_at_trace_time(audio: Tensor, lengths: Tensor) -> None:
    """torch does not let an exception leave a fullgraph-compiled region: dynamo raises Unsupported instead."""
    compiled = torch.compile(Pipeline().eval(), fullgraph=True, backend="eager")
    with pytest.raises(torch._dynamo.exc.Unsupported):
        compiled(torch.randn(3, 800), lengths)


def test_checks_still_run_in_eager_calls_after_compiling(audio: Tensor, lengths: Tensor) -> None:
    model = Pipeline().eval()
    torch.compile(model, backend="eager")(audio, lengths)
    with pytest.raises(ContractViolation):
        model(torch.randn(3, 800), lengths)


class Head(NeuralModule):
    def __init__(self) -> None:
        super().__init__()
        self.proj = torch.nn.Linear(16, 5)

    def forward(
        self, encoded: AcousticEncoded[Tensor, "batch frame channel"], lengths: Lengths[Tensor, "batch"]
    ) -> tuple[LogProbs[Tensor, "batch frame vocab"], Lengths[Tensor, "batch"]]:
        return self.proj(encoded).log_softmax(-1), lengths


def test_strict_export_with_dynamic_dims_from_names() -> None:
    head = Head().eval()
    shapes = nt.dynamic_shapes(head, static=("channel",))  # the Linear layer fixes channel
    assert shapes["encoded"][0] is shapes["lengths"][0]  # one name, one Dim
    assert set(shapes["encoded"]) == {0, 1}
    example = (torch.randn(2, 7, 16), torch.tensor([7, 5]))
    program = torch.export.export(head, example, dynamic_shapes=shapes, strict=True)
    x, lengths = torch.randn(4, 11, 16), torch.tensor([11, 3, 2, 1])
    out, out_lengths = program.module()(x, lengths)
    assert out.shape == (4, 11, 5)
    torch.testing.assert_close(out, head(x, lengths)[0])
