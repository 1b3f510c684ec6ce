"""The ``neuraltypes`` console script: settings that must precede ``import torch``, then the command line.

OpenMP's threads wait passively (``OMP_WAIT_POLICY=PASSIVE`` unless the environment says otherwise): spinning
waits let two threads on a machine whose cores are busy run several times slower than one (measured for the
voice swap on a loaded 2-core machine: real-time factor 4.67 spinning against 0.25 passive). The variable is read
once, when torch loads OpenMP, so it is set here, before anything imports torch.
"""

from __future__ import annotations

import os

__all__ = ["main"]


def main() -> int:
    """Run ``neuraltypes`` (`neuraltypes_collections.common._cli.main`) with passive OpenMP waits."""
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    from .common._cli import main as cli_main

    return cli_main()
