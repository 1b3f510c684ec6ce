"""Per-call cost of neuraltypes' contract checks, against a plain module and against jaxtyping + beartype.

Every variant is a module with 2 tensor inputs and 2 tensor outputs, on an identity op and on a small conv. The
variants are timed in interleaved rounds (each round times every variant once, in a shuffled order) and the table
shows the median over rounds. The last line is machine-readable:

    overhead_us full=<x> shapes=<x> off=<x> jaxtyping_beartype=<x>

(identity op, microseconds over the plain call). It also prints the import time of neuraltypes over torch.

Run: ``python benchmarks/contract_overhead.py [--rounds 30] [--calls 2000]``
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import timeit
import warnings

import torch
from torch import Tensor

import neuraltypes as nt
from neuraltypes import Lengths, MelSpectrogram, NeuralModule


def build_modules(op: str) -> dict[str, torch.nn.Module]:
    from beartype import beartype
    from jaxtyping import Float, Int, jaxtyped

    conv = torch.nn.Conv1d(8, 8, 3, padding=1)

    def body(features: Tensor, lengths: Tensor) -> tuple[Tensor, Tensor]:
        return (conv(features) if op == "conv" else features), lengths

    class Plain(torch.nn.Module):
        def forward(self, features: Tensor, lengths: Tensor) -> tuple[Tensor, Tensor]:
            return body(features, lengths)

    class Typed(NeuralModule):
        def forward(
            self, features: MelSpectrogram[Tensor, "batch mel frame"], lengths: Lengths[Tensor, "batch"]
        ) -> tuple[MelSpectrogram[Tensor, "batch mel frame"], Lengths[Tensor, "batch"]]:
            return body(features, lengths)

    class Jax(torch.nn.Module):
        @jaxtyped(typechecker=beartype)
        def forward(
            self, features: Float[Tensor, "batch mel frame"], lengths: Int[Tensor, " batch"]
        ) -> tuple[Float[Tensor, "batch channel frame"], Int[Tensor, " batch"]]:
            return body(features, lengths)

    return {"plain": Plain(), "typed": Typed(), "jaxtyping_beartype": Jax()}


def time_variants(op: str, rounds: int, calls: int) -> dict[str, float]:
    modules = build_modules(op)
    features = torch.randn(4, 8, 50)
    lengths = torch.full((4,), 50)
    nt.tag(features, nt.tags.MelSpectrogram())
    variants = {
        "plain": (modules["plain"], None),
        "full": (modules["typed"], "full"),
        "shapes": (modules["typed"], "shapes"),
        "off": (modules["typed"], "off"),
        "jaxtyping_beartype": (modules["jaxtyping_beartype"], None),
    }
    samples: dict[str, list[float]] = {name: [] for name in variants}
    order = list(variants)
    with torch.no_grad():
        for _ in range(rounds):
            random.shuffle(order)
            for name in order:
                module, mode = variants[name]
                with nt.checking(mode or "full"):  # type: ignore[arg-type]
                    module(features, lengths)
                    seconds = timeit.timeit(lambda m=module: m(features, lengths), number=calls)
                samples[name].append(seconds / calls * 1e6)
    return {name: statistics.median(values) for name, values in samples.items()}


def import_seconds(statement: str, repeats: int = 5) -> float:
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    times = [float(subprocess.check_output([sys.executable, "-c", code], text=True)) for _ in range(repeats)]
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    torch.set_num_threads(1)
    results = {op: time_variants(op, args.rounds, args.calls) for op in ("identity", "conv")}
    names = ["plain", "full", "shapes", "off", "jaxtyping_beartype"]
    print(f"per-call time, median of {args.rounds} interleaved rounds x {args.calls} calls "
          f"(2 tensor inputs, 2 outputs; torch {torch.__version__})")
    print(f"| {'variant':<20} | {'identity us':>11} | {'over plain':>10} | {'conv us':>8} | {'over plain':>10} |")
    print(f"|{'-' * 22}|{'-' * 13}|{'-' * 12}|{'-' * 10}|{'-' * 12}|")
    for name in names:
        ident, conv = results["identity"][name], results["conv"][name]
        print(f"| {name:<20} | {ident:>11.2f} | {ident - results['identity']['plain']:>+10.2f} | "
              f"{conv:>8.2f} | {conv - results['conv']['plain']:>+10.2f} |")
    torch_s = import_seconds("import torch")
    ours_s = import_seconds("import torch, neuraltypes")
    print(f"import torch: {torch_s:.3f} s; import torch + neuraltypes: {ours_s:.3f} s; "
          f"neuraltypes adds {ours_s - torch_s:.3f} s (median of 5)")
    base = results["identity"]["plain"]
    over = {name: results["identity"][name] - base for name in names[1:]}
    print("overhead_us " + " ".join(f"{name}={value:.2f}" for name, value in over.items()))


if __name__ == "__main__":
    main()
