"""One shared battery for a whole collection of typed modules (the way transformers' ``ModelTesterMixin`` works).

```python
from neuraltypes.testing import ContractCase, ContractSuite

class TestMyModules(ContractSuite):
    cases = (ContractCase(MyEncoder(), batch_consistency=True), ContractCase(MyDecoder()))
```

pytest then runs, for every case, ``test_outputs_honour_the_contract``, ``test_violations_are_reported`` and (for the
cases that declare it) ``test_batch_consistency``, each case a separate test id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from ._check_contract import BatchConsistency, ContractReport, run_checks
from ._plan import DrawOptions

__all__ = ["ContractCase", "ContractSuite"]


@dataclass(frozen=True)
class ContractCase:
    """One target of a contract battery and how to test it.

    **Arguments:**

    - `target`: a `NeuralModule` instance, a ``@checked`` function or a bound method.
    - `id`: the test id (default: the class or function name).
    - `batch_consistency`: declare that items are independent of the batch they are in (True or a
      `BatchConsistency`); False leaves that property out.
    - `strict`: check in strict mode.
    - `max_examples`: hypothesis examples per property (default 20).
    - `draw`: how arguments are drawn (`DrawOptions`: sizes, fixed dims, length axes, extra arguments).
    """

    target: object
    id: str | None = None
    batch_consistency: BatchConsistency | bool = False
    strict: bool = False
    max_examples: int | None = None
    draw: DrawOptions = field(default_factory=DrawOptions)

    @property
    def name(self) -> str:
        if self.id is not None:
            return self.id
        target = self.target
        return getattr(target, "__qualname__", None) or type(target).__qualname__

    def check(
        self, *, outputs: bool = True, violations: bool = True, batch_consistency: bool = True,
        max_examples: int | None = None,
    ) -> ContractReport:
        """Run the properties asked for; raise `ContractTestFailure` on the first one that fails."""
        return run_checks(
            self.target, self.draw, outputs=outputs, violations=violations,
            batch_consistency=self.batch_consistency if batch_consistency else False, strict=self.strict,
            max_examples=max_examples if max_examples is not None else self.max_examples,
        )


def _examples_option(request: Any) -> int | None:
    """``--contract-examples N`` when the pytest plugin (`neuraltypes.testing.plugin`) is loaded."""
    value = request.config.getoption("contract_examples", default=None)
    return int(value) if value is not None else None


class ContractSuite:
    """Base class of a contract battery: subclass it as ``Test...`` and set `cases`.

    Every case gets three tests; a case that declares batch consistency gets the third. Add your own test methods as
    usual; a method that takes a ``contract_case`` argument runs once per case.
    """

    cases: ClassVar[tuple[ContractCase, ...]] = ()

    def pytest_generate_tests(self, metafunc: Any) -> None:
        if "contract_case" not in metafunc.fixturenames:
            return
        cases = list(self.cases)
        if metafunc.function.__name__ == "test_batch_consistency":
            cases = [case for case in cases if case.batch_consistency]
        names = [case.name for case in cases]
        ids = [f"{name}-{names[:i].count(name)}" if names.count(name) > 1 else name for i, name in enumerate(names)]
        metafunc.parametrize("contract_case", cases, ids=ids)

    def test_outputs_honour_the_contract(self, contract_case: ContractCase, request: Any) -> None:
        contract_case.check(violations=False, batch_consistency=False, max_examples=_examples_option(request))

    def test_violations_are_reported(self, contract_case: ContractCase, request: Any) -> None:
        report = contract_case.check(outputs=False, batch_consistency=False, max_examples=_examples_option(request))
        assert report.violations, f"{contract_case.name}: no violation could be drawn"

    def test_batch_consistency(self, contract_case: ContractCase, request: Any) -> None:
        contract_case.check(outputs=False, violations=False, max_examples=_examples_option(request))
