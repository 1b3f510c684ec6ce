"""The shared battery runs over the core's example modules; the pytest plugin loads from a conftest line."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from neuraltypes.examples import Decoder, Encoder, Features, Pipeline
from neuraltypes.testing import ContractCase, ContractSuite, DrawOptions, check_contract


class TestExampleModules(ContractSuite):
    cases = (
        ContractCase(Features(), batch_consistency=True),
        ContractCase(Features(sample_rate=22050, n_mels=4), id="Features-22kHz", batch_consistency=True),
        ContractCase(Encoder(), batch_consistency=True),
        ContractCase(Decoder(), batch_consistency=True, draw=DrawOptions(dims={"channel": 16})),
        # frames of 8 samples and a kernel of 3 frames need at least 16 samples
        ContractCase(Pipeline(), batch_consistency=True, draw=DrawOptions(sizes={"time": (16, 64)})),
    )

    def test_the_contract_pins_every_size_a_case_does_not_set(self, contract_case: ContractCase) -> None:
        """A method of the suite taking `contract_case` runs once per case, like the battery's own."""
        assert contract_case.name in {"Features", "Features-22kHz", "Encoder", "Decoder", "Pipeline"}


def test_the_pipeline_is_batch_consistent_because_the_encoder_masks_past_the_lengths() -> None:
    """Found by this battery: Features leaves a partial frame beyond the lengths; the Encoder masks it."""
    report = check_contract(Pipeline(), violations=False, batch_consistency=True, sizes={"time": (16, 32)},
                            max_examples=10)
    assert report.batch_examples > 0


def test_the_plugin_adds_an_option_and_a_fixture(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["neuraltypes.testing.plugin"]\n')
    (tmp_path / "test_mine.py").write_text(textwrap.dedent("""
        from neuraltypes.examples import Encoder, Features
        from neuraltypes.testing import ContractCase, ContractSuite


        class TestMine(ContractSuite):
            cases = (ContractCase(Features(), batch_consistency=True), ContractCase(Encoder()))


        def test_fixture(check_contract):
            assert check_contract(Features()).examples == 3
            assert check_contract(Features(), max_examples=4).examples == 4
    """))
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", "--contract-examples", "3",
         str(tmp_path)],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    for test_id in ("test_outputs_honour_the_contract[Features]", "test_violations_are_reported[Encoder]",
                    "test_batch_consistency[Features]", "test_fixture"):
        assert test_id in run.stdout
    assert "test_batch_consistency[Encoder]" not in run.stdout  # only cases that declare it
    assert "6 passed" in run.stdout
