"""The two exception families of neuraltypes.

`AnnotationError` is a misuse of the library: a malformed annotation, found when a function is decorated or a
`NeuralModule` subclass is created. `ContractViolation` is a value that breaks a contract, found at call time; it is a
`TypeError`, like the error Python raises for a wrong argument. Each carries a stable code (``NT1xx`` for annotations,
``NT2xx`` for values) documented in ``docs/errors.md``.
"""

from __future__ import annotations

__all__ = ["AnnotationError", "ContractViolation", "NeuralTypesError"]


class NeuralTypesError(Exception):
    """Base class of every error neuraltypes raises on purpose."""

    code: str

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


class AnnotationError(NeuralTypesError, TypeError):
    """A neural-type annotation is malformed (raised at decoration or class-creation time).

    **Arguments:**

    - `message`: the full explanation, naming the annotation and how to fix it.
    - `code`: a stable ``NT1xx`` code.
    """


class ContractViolation(NeuralTypesError, TypeError):
    """A value breaks the contract declared in a signature (raised at call time).

    Attributes name everything a caller needs: `function` (qualified name), `parameter` (the argument, or
    ``return``/``return[1]`` for outputs), `code` (stable ``NT2xx``), and `hint` (one suggested fix, may be empty).
    """

    function: str
    parameter: str
    hint: str

    def __init__(self, message: str, *, code: str, function: str, parameter: str, hint: str = "") -> None:
        super().__init__(message, code=code)
        self.function = function
        self.parameter = parameter
        self.hint = hint


for _cls in (NeuralTypesError, AnnotationError, ContractViolation):
    _cls.__module__ = "neuraltypes"  # tracebacks show neuraltypes.ContractViolation, the public name
