"""benchmarks/contract_overhead.py times only variants that first refuse a violating call."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.fixture(scope="module")
def overhead():  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import contract_overhead

        yield contract_overhead
    finally:
        sys.path.remove(str(BENCHMARKS))


def test_every_checking_variant_rejects_the_violating_call_and_nemo_is_skipped_without_its_flag(overhead) -> None:  # type: ignore[no-untyped-def]
    lines = overhead.prove_rejections(None)
    by_name = {line.split()[0]: line for line in lines[1:]}
    assert "rejects it: ContractViolation: [NT202] Typed.forward: parameter 'lengths'" in by_name["full"]
    assert "rejects it: ContractViolation: [NT202]" in by_name["shapes"]
    assert "rejects it: TypeCheckError" in by_name["jaxtyping_beartype"]  # its annotations are real, not strings
    assert "checks nothing by design" in by_name["plain"] and "checks nothing by design" in by_name["off"]
    assert by_name["nemo_typecheck"].split(None, 1)[1].startswith("skipped: no --nemo-python given")


def test_a_variant_that_accepts_the_violating_call_stops_the_script(overhead) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit, match="accepted a violating call"):
        overhead.rejection(overhead.Plain("identity"), "full")
    with pytest.raises(SystemExit, match="accepted a violating call"):
        overhead.rejection(overhead.Typed("identity"), "off")
