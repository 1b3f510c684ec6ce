"""`check_contract`: point hypothesis at a typed module and check that it honours its own contract.

Three properties, each run with hypothesis (shrinking a failure to small shapes before reporting it):

1. **outputs**: for every valid argument set the call succeeds, and its result satisfies the output contract under the
   reference checker in paranoid mode (value invariants included); output ``Lengths`` stay within their axis and
   output ``TokenIndex`` below the ``vocab`` dim;
2. **violations**: every argument set that breaks one thing raises a `ContractViolation` naming that parameter;
3. **batch consistency** (when asked for): each item run alone gives the same result as the same item inside a
   padded batch, the padding cut away through the lengths.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from typing import Any, Literal, TypeVar

import torch
from hypothesis import HealthCheck, given
from hypothesis import settings as Settings
from hypothesis.strategies import SearchStrategy

from .._check import check_node, new_call
from .._contract import bind_scalars
from .._dims import NamedDim
from .._errors import ContractViolation
from .._state import CheckState, Mode, checking
from .._tags import tag, tag_of
from .._vocabulary import TokenIndex
from ._plan import DrawOptions, LengthSource, Plan, axis_positions, make_plan, output_tensors, output_value
from ._strategies import DrawCounter, Drawn, describe_arguments, drawn_arguments
from ._violations import Violation, drawn_violations

__all__ = ["BatchConsistency", "ContractReport", "ContractTestFailure", "check_contract", "run_checks"]

T = TypeVar("T")

_DEFAULT_SETTINGS = Settings(
    deadline=None,
    database=None,
    derandomize=True,  # the same draws on every run: a CI failure reproduces locally
    report_multiple_bugs=False,
    print_blob=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
DEFAULT_MAX_EXAMPLES = 20


class ContractTestFailure(AssertionError):
    """A module does not honour its contract. The message names the property, what went wrong and the shrunk
    counterexample (shapes, dtypes, tags and small integer values, never float tensor dumps)."""


@dataclass(frozen=True)
class BatchConsistency:
    """Options of the batch-consistency property.

    **Arguments:**

    - `batch_axis`: the dim name of the batch.
    - `atol`, `rtol`: tolerances for floating outputs (integer outputs must be equal).
    - `padding_value`: what fills floating inputs beyond each item's length in the batch (integers are padded with
      0). A module that masks properly passes with any value; zero is what collate functions use.
    - `min_batch`: the smallest batch drawn (2 makes every example exercise padding).
    """

    batch_axis: str = "batch"
    atol: float = 1e-5
    rtol: float = 1e-4
    padding_value: float = 0.0
    min_batch: int = 2


@dataclass
class ContractReport:
    """What `check_contract` ran: valid calls, violations by kind, batch-consistency examples, and draws."""

    target: str
    examples: int = 0
    violations: dict[str, int] = field(default_factory=dict)
    batch_examples: int = 0
    counter: DrawCounter = field(default_factory=DrawCounter)

    @property
    def filtered_fraction(self) -> float:
        """Fraction of drawn argument sets thrown away while drawing (0.0 when every draw was valid)."""
        return self.counter.filtered_fraction

    def __str__(self) -> str:
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(self.violations.items())) or "none"
        return (f"{self.target}: {self.examples} valid calls, violations ({kinds}), {self.batch_examples} "
                f"batch-consistency examples; {self.counter.filtered} of "
                f"{self.counter.drawn + self.counter.filtered} draws filtered ({self.filtered_fraction:.1%})")


def _indent(text: str) -> str:
    return textwrap.indent(text, "    ")


def _fail(plan: Plan, prop: str, problem: str, counterexample: str) -> ContractTestFailure:
    return ContractTestFailure(
        f"check_contract({plan.qualname}) [{prop}]: {problem}\n  shrunk counterexample:\n{counterexample}"
    )


def _run(test: Callable[[T], None], strategy: SearchStrategy[T], run_settings: Settings) -> None:
    @run_settings
    @given(strategy)
    def property_holds(value: T) -> None:
        test(value)

    property_holds()


@contextmanager
def _evaluation(target: object) -> Iterator[None]:
    """Modules run in eval mode without autograd (dropout would make every property flaky); restored after."""
    was_training = isinstance(target, torch.nn.Module) and target.training
    if isinstance(target, torch.nn.Module):
        target.eval()
    try:
        with torch.no_grad():
            yield
    finally:
        if isinstance(target, torch.nn.Module):
            target.train(was_training)


# --- property 1: valid inputs give valid outputs ------------------------------------------------------------------


def _call_or_fail(plan: Plan, arguments: Mapping[str, Any], prop: str, counterexample: str) -> Any:
    try:
        return plan.call(arguments)
    except ContractViolation as error:
        if error.function == plan.qualname and error.parameter.startswith("return"):
            problem = "the result breaks the output contract"
        else:
            where = "" if error.function == plan.qualname else f" (raised inside {error.function})"
            problem = f"a contract is broken on inputs that {plan.qualname}'s contract allows{where}"
        raise _fail(plan, prop, f"{problem}:\n{_indent(str(error))}", counterexample) from error
    except Exception as error:  # noqa: BLE001 - any crash on valid inputs is the finding
        raise _fail(plan, prop, f"raised {type(error).__name__} on inputs its contract allows: {error}",
                    counterexample) from error


def _output_lengths_problem(plan: Plan, result: Any) -> str | None:
    """An output ``Lengths`` larger than the output axis it measures (an off-by-one length), else None."""
    outputs = output_tensors(plan.outputs)
    for source in plan.output_lengths:
        lengths = output_value(result, source.parameter)
        if source.axis is None or not isinstance(lengths, torch.Tensor) or not lengths.numel():
            continue
        for path, spec in outputs:
            if path == source.parameter:
                continue
            for axis, dim in axis_positions(spec, len(spec.dims)):
                if isinstance(dim, NamedDim) and dim.name == source.axis:
                    value = output_value(result, path)
                    size = value.shape[axis]
                    longest = int(lengths.max())
                    if longest > size:
                        return (f"output '{source.parameter}' (Lengths) reaches {longest}, but axis "
                                f"'{source.axis}' of output '{path}' has size {size}: an off-by-one output length?")
                    break
    return None


def _token_range_problem(plan: Plan, result: Any, bound: Mapping[str, Any]) -> str | None:
    """An output ``TokenIndex`` outside the vocabulary (the ``vocab`` dim of the call, or `vocab_size`), else None."""
    vocab = bound.get("vocab", plan.options.dims.get("vocab", plan.options.vocab_size))
    if not isinstance(vocab, int):
        return None
    for path, spec in output_tensors(plan.outputs):
        value = output_value(result, path)
        if isinstance(spec.tag, TokenIndex) and isinstance(value, torch.Tensor) and value.numel():
            if int(value.max()) >= vocab:
                return f"output '{path}' (TokenIndex) reaches {int(value.max())}, outside a vocabulary of {vocab}"
    return None


def _check_outputs(plan: Plan, drawn: Drawn, strict: bool, report: ContractReport) -> None:
    prop = "outputs"
    with checking("paranoid", strict=strict):
        result = _call_or_fail(plan, drawn.arguments, prop, drawn.describe())
    # the reference checker, run here too so that the output is checked whatever the module's wrapper did
    call = new_call(plan.qualname, CheckState(Mode.PARANOID, strict), plan.owner)
    bind_scalars(call, plan.contract, drawn.arguments)
    try:
        for name, node in plan.contract.inputs.items():
            check_node(call, node, drawn.arguments.get(name), name)
        if plan.contract.output is not None:
            check_node(call, plan.contract.output, result, "return")
    except ContractViolation as error:
        raise _fail(plan, prop, f"the result breaks the output contract:\n{_indent(str(error))}",
                    drawn.describe()) from error
    problem = _output_lengths_problem(plan, result) or _token_range_problem(plan, result, call.binder.dims)
    if problem is not None:
        raise _fail(plan, prop, problem, drawn.describe())
    report.examples += 1


# --- property 2: each violation is reported, naming its parameter --------------------------------------------------


def _check_violation(plan: Plan, violation: Violation, strict: bool, report: ContractReport) -> None:
    prop = "violations"
    expected = f"a ContractViolation naming parameter '{violation.parameter}' ({'/'.join(sorted(violation.codes))})"
    mode: Literal["full", "paranoid"] = "paranoid" if violation.kind == "value" else "full"
    with checking(mode, strict=strict):
        try:
            plan.call(violation.arguments)
        except ContractViolation as error:
            if (error.parameter, error.function) != (violation.parameter, plan.qualname) \
                    or error.code not in violation.codes:
                raise _fail(plan, prop, f"breaking the {violation.description} should raise {expected}, but "
                            f"{error.function} raised {error.code} naming '{error.parameter}':\n"
                            f"{_indent(str(error))}", violation.describe()) from error
            report.violations[violation.kind] = report.violations.get(violation.kind, 0) + 1
            return
        except Exception as error:  # noqa: BLE001
            raise _fail(plan, prop, f"breaking the {violation.description} should raise {expected}, but it "
                        f"raised {type(error).__name__}: {error}", violation.describe()) from error
    raise _fail(plan, prop, f"breaking the {violation.description} should raise {expected}, but the call "
                "succeeded", violation.describe())


# --- property 3: batch consistency --------------------------------------------------------------------------------


def _axis_of(plan: Plan, name: str, dim_name: str | None) -> int | None:
    spec = plan.tensor_inputs().get(name)
    if spec is None or dim_name is None:
        return None
    return next((a for a, d in axis_positions(spec, len(spec.dims))
                 if isinstance(d, NamedDim) and d.name == dim_name), None)


def _measured(value: torch.Tensor, source: LengthSource) -> torch.Tensor:
    return value.sum(-1) if source.is_mask else value


def _padded(plan: Plan, drawn: Drawn, config: BatchConsistency) -> dict[str, Any]:
    """The drawn batch with every position beyond an item's length set to the padding value."""
    arguments = dict(drawn.arguments)
    for source in plan.length_sources:
        lengths = arguments.get(source.parameter)
        if not isinstance(lengths, torch.Tensor) or source.batch != config.batch_axis:
            continue
        measured = _measured(lengths, source)
        for name in plan.tensor_inputs():
            value = arguments.get(name)
            batch_at, axis_at = _axis_of(plan, name, source.batch), _axis_of(plan, name, source.axis)
            if name == source.parameter or not isinstance(value, torch.Tensor) or batch_at is None or axis_at is None:
                continue
            positions = torch.arange(value.shape[axis_at]).view([-1 if i == axis_at else 1 for i in range(value.ndim)])
            beyond = (positions >= measured.view([-1 if i == batch_at else 1 for i in range(value.ndim)])).expand(
                value.shape)
            fill = config.padding_value if value.dtype.is_floating_point else 0
            arguments[name] = _keep_tag(value.masked_fill(beyond, fill), value)
    return arguments


def _keep_tag(new: torch.Tensor, old: torch.Tensor) -> torch.Tensor:
    meaning = tag_of(old)
    return new if meaning is None else tag(new, meaning)


def _item(plan: Plan, arguments: Mapping[str, Any], index: int, config: BatchConsistency) -> dict[str, Any]:
    """Item `index` alone: every tensor sliced on the batch axis, then cut to the item's lengths."""
    alone = dict(arguments)
    for name in plan.tensor_inputs():
        value = alone.get(name)
        batch_at = _axis_of(plan, name, config.batch_axis)
        if isinstance(value, torch.Tensor) and batch_at is not None:
            alone[name] = value.narrow(batch_at, index, 1)
    for source in plan.length_sources:
        lengths = arguments.get(source.parameter)
        if not isinstance(lengths, torch.Tensor) or source.batch != config.batch_axis:
            continue
        length = int(_measured(lengths, source)[index])
        for name in plan.tensor_inputs():
            value = alone.get(name)
            axis_at = _axis_of(plan, name, source.axis)
            if isinstance(value, torch.Tensor) and axis_at is not None:
                alone[name] = value.narrow(axis_at, 0, length)
    return {n: _keep_tag(v.contiguous(), arguments[n]) if isinstance(v, torch.Tensor) else v
            for n, v in alone.items()}


def _batch_axis_of(spec: Any, config: BatchConsistency) -> int | None:
    return next((a for a, d in axis_positions(spec, len(spec.dims))
                 if isinstance(d, NamedDim) and d.name == config.batch_axis), None)


def _compare_item(plan: Plan, batched: Any, alone: Any, index: int, config: BatchConsistency) -> str | None:
    outputs = output_tensors(plan.outputs)
    cut: dict[str, dict[int, int]] = {}  # output path -> {axis: valid length}
    for source in plan.output_lengths:
        batch_lengths, alone_lengths = output_value(batched, source.parameter), output_value(alone, source.parameter)
        if not isinstance(batch_lengths, torch.Tensor) or not isinstance(alone_lengths, torch.Tensor):
            continue
        got, want = int(batch_lengths[index]), int(alone_lengths.reshape(-1)[0])
        if got != want:
            return (f"output '{source.parameter}' (Lengths) of item {index} is {got} in the batch but {want} for the "
                    "item alone: the padding changes the lengths")
        for path, spec in outputs:
            for axis, dim in axis_positions(spec, len(spec.dims)):
                if isinstance(dim, NamedDim) and dim.name == source.axis and path != source.parameter:
                    cut.setdefault(path, {})[axis] = want
    for path, spec in outputs:
        whole, single = output_value(batched, path), output_value(alone, path)
        batch_at = _batch_axis_of(spec, config)
        if not isinstance(whole, torch.Tensor) or not isinstance(single, torch.Tensor) or batch_at is None:
            continue
        item = whole.narrow(batch_at, index, 1)
        for axis, length in cut.get(path, {}).items():
            item, single = item.narrow(axis, 0, min(length, item.shape[axis])), single.narrow(
                axis, 0, min(length, single.shape[axis]))
        for axis in range(item.ndim):
            if single.shape[axis] > item.shape[axis]:
                return (f"output '{path}' of item {index} alone has shape {list(single.shape)}, larger than its slice "
                        f"of the batch {list(item.shape)}")
            item = item.narrow(axis, 0, single.shape[axis])
        if item.dtype.is_floating_point or single.dtype.is_floating_point:
            a, b = item.double(), single.double()
            if not torch.allclose(a, b, atol=config.atol, rtol=config.rtol, equal_nan=True):
                worst = float((a - b).abs().nan_to_num(float("inf")).max()) if a.numel() else 0.0
                return (f"output '{path}' of item {index} differs between the batch and the item alone (max "
                        f"|difference| {worst:.3g} > atol {config.atol:g} + rtol {config.rtol:g}): does padding leak "
                        "into the results? Use the lengths (or mask) wherever the module reduces or mixes along time")
        elif not torch.equal(item, single):
            return f"output '{path}' of item {index} differs between the batch and the item alone"
    return None


def _check_batch(plan: Plan, drawn: Drawn, config: BatchConsistency, strict: bool, report: ContractReport) -> None:
    prop = "batch consistency"
    arguments = _padded(plan, drawn, config)
    shown = describe_arguments(arguments, drawn.dims)
    with checking("full", strict=strict):
        batched = _call_or_fail(plan, arguments, prop, shown)
        size = drawn.dims.get(config.batch_axis, 0)
        for index in range(int(size)):
            single = _item(plan, arguments, index, config)
            alone = _call_or_fail(plan, single, prop, shown + f"\n    (item {index} alone)")
            problem = _compare_item(plan, batched, alone, index, config)
            if problem is not None:
                raise _fail(plan, prop, problem, shown)
    report.batch_examples += 1


# --- entry points -------------------------------------------------------------------------------------------------


def run_checks(
    target: object,
    options: DrawOptions,
    *,
    outputs: bool = True,
    violations: bool = True,
    batch_consistency: BatchConsistency | bool = False,
    strict: bool = False,
    max_examples: int | None = None,
    settings: Settings | None = None,
) -> ContractReport:
    """`check_contract` with the draw options as one `DrawOptions` and each property switchable."""
    plan = make_plan(target, options)
    base = settings if settings is not None else _DEFAULT_SETTINGS
    count = max_examples if max_examples is not None else (
        settings.max_examples if settings is not None else DEFAULT_MAX_EXAMPLES)
    run_settings = Settings(base, max_examples=count)
    report = ContractReport(plan.qualname)
    counter = report.counter
    with _evaluation(target):
        if outputs:
            _run(lambda d: _check_outputs(plan, d, strict, report), drawn_arguments(plan, counter), run_settings)
        if violations and plan.tensor_inputs():
            _run(lambda v: _check_violation(plan, v, strict, report), drawn_violations(plan, counter), run_settings)
        if batch_consistency:
            config = batch_consistency if isinstance(batch_consistency, BatchConsistency) else BatchConsistency()
            inputs_have = any(_batch_axis_of(s, config) is not None for s in plan.tensor_inputs().values())
            outputs_have = any(_batch_axis_of(s, config) is not None for _, s in output_tensors(plan.outputs))
            if not (inputs_have and outputs_have):
                raise TypeError(f"check_contract({plan.qualname}): batch consistency needs an input and an output "
                                f"with a '{config.batch_axis}' dim; set BatchConsistency(batch_axis=...)")
            low, high = options.range_of(config.batch_axis)
            wider = DrawOptions(**{f.name: getattr(options, f.name) for f in fields(options)
                                   if f.name != "sizes"},
                                sizes={**options.sizes, config.batch_axis: (max(low, config.min_batch),
                                                                            max(high, config.min_batch))})
            batch_plan = make_plan(target, wider)
            _run(lambda d: _check_batch(batch_plan, d, config, strict, report),
                 drawn_arguments(batch_plan, counter), run_settings)
    return report


def check_contract(
    target: object,
    *,
    batch_consistency: BatchConsistency | bool = False,
    violations: bool = True,
    strict: bool = False,
    max_examples: int | None = None,
    settings: Settings | None = None,
    **options: Any,
) -> ContractReport:
    """Check with hypothesis that `target` honours its own contract; raise `ContractTestFailure` if it does not.

    For drawn valid inputs the call must succeed and its result satisfy the output contract (the reference checker in
    paranoid mode: shapes, dims bound by the inputs, dtypes, tags and their parameters, value invariants such as
    log-probs <= 0), with output ``Lengths`` within their axis and output ``TokenIndex`` below the ``vocab`` dim.
    For each drawn violation (one argument's rank, one dim, dtype, tag, tag parameter or value broken) the call must
    raise a `ContractViolation` naming that argument.
    With `batch_consistency`, each item of a padded batch run alone must give the same result as in the batch.
    Modules run in eval mode under ``torch.no_grad()``; hypothesis runs derandomized (the same draws on every run).

    **Arguments:**

    - `target`: a `NeuralModule` instance, a ``@checked`` function or a bound method.
    - `batch_consistency`: True (default `BatchConsistency`) or a `BatchConsistency` to check it; False to skip.
    - `violations`: check that violations are reported (default True).
    - `strict`: run in strict mode (untagged tensors rejected).
    - `max_examples`: examples per property (default 20, or the `settings`' value).
    - `settings`: hypothesis settings to start from.
    - `options`: the fields of `DrawOptions` (``dims``, ``sizes``, ``length_axes``, ``extra``, ``vocab_size``...).

    **Returns:** a `ContractReport` (counts of what ran, and the fraction of draws filtered out).
    """
    return run_checks(target, DrawOptions(**options), violations=violations, batch_consistency=batch_consistency,
                      strict=strict, max_examples=max_examples, settings=settings)
