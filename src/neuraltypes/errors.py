"""The public home of neuraltypes' exceptions (also re-exported from `neuraltypes`).

Codes: NT1xx are malformed annotations (`AnnotationError`), NT2xx are values that break a contract
(`ContractViolation`, a `TypeError`). Each code has a section in docs/errors.md.
"""

from ._errors import AnnotationError as AnnotationError
from ._errors import ContractViolation as ContractViolation
from ._errors import NeuralTypesError as NeuralTypesError

__all__ = ["AnnotationError", "ContractViolation", "NeuralTypesError"]
