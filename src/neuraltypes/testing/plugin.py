"""pytest plugin for contract tests. Load it explicitly: ``pytest_plugins = ["neuraltypes.testing.plugin"]`` in the
root ``conftest.py``, or ``pytest -p neuraltypes.testing.plugin`` (it is not registered globally, so a plain pytest run
never imports torch for it).

It adds ``--contract-examples N`` (hypothesis examples per property, for `ContractSuite` and the fixture) and the
``check_contract`` fixture: `neuraltypes.testing.check_contract` with that number of examples.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ._check_contract import ContractReport
from ._check_contract import check_contract as _check_contract

__all__ = ["check_contract", "pytest_addoption"]


def pytest_addoption(parser: pytest.Parser) -> None:
    """pytest's hook: adds ``--contract-examples N``, the hypothesis examples per contract property."""
    group = parser.getgroup("neuraltypes")
    group.addoption("--contract-examples", dest="contract_examples", type=int, default=None,
                    help="hypothesis examples per contract property (default 20)")


@pytest.fixture
def check_contract(request: pytest.FixtureRequest) -> Callable[..., ContractReport]:
    """`neuraltypes.testing.check_contract`, with ``--contract-examples`` applied unless a call sets its own."""
    examples = request.config.getoption("contract_examples", default=None)

    def run(target: object, **kwargs: Any) -> ContractReport:
        if examples is not None:
            kwargs.setdefault("max_examples", examples)
        return _check_contract(target, **kwargs)

    return run
