"""Property-based contract tests: hypothesis strategies derived from neural types, and a contract battery.

Needs the ``testing`` extra (``pip install neuraltypes[testing]``, which installs hypothesis); ``import neuraltypes``
never imports this package. See ``docs/contract-testing.md``.
"""

from ._battery import ContractCase as ContractCase
from ._battery import ContractSuite as ContractSuite
from ._check_contract import BatchConsistency as BatchConsistency
from ._check_contract import ContractReport as ContractReport
from ._check_contract import ContractTestFailure as ContractTestFailure
from ._check_contract import check_contract as check_contract
from ._plan import SEQUENCE_AXES as SEQUENCE_AXES
from ._plan import DrawOptions as DrawOptions
from ._plan import length_axis as length_axis
from ._strategies import DrawCounter as DrawCounter
from ._strategies import arguments as arguments
from ._strategies import tensors as tensors
from ._violations import Violation as Violation
from ._violations import violations as violations

__all__ = [
    "SEQUENCE_AXES",
    "BatchConsistency",
    "ContractCase",
    "ContractReport",
    "ContractSuite",
    "ContractTestFailure",
    "DrawCounter",
    "DrawOptions",
    "Violation",
    "arguments",
    "check_contract",
    "length_axis",
    "tensors",
    "violations",
]
