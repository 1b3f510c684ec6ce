"""Speaker verification on speech-mini: equal error rate of GE2E and of a mean-MFCC baseline, on the same trials.

    python benchmarks/speaker_verification.py [--data ../shared/data/speech-mini]

A *voice* is the engine and the voice name of a clip's `voice` field without its speed, pitch or stretch
(`espeak-ng:en-gb-x-rp+m4:speed=167,pitch=34` -> `espeak-ng:en-gb-x-rp+m4`). A *trial* is a pair of clips of one
split: a target trial when both clips have the same voice, a non-target trial otherwise. Every pair is a trial.

- The threshold is calibrated at the equal-error point of the **dev** split's trials; the equal error rate (EER) and
  the error rates at that threshold are reported on the **test** split's trials (80 clips: 3,160 trials), and the
  EER on all 350 clips (61,075 trials).
- The baseline is the cosine similarity of the clips' mean MFCC vectors (20 coefficients of a 40-band mel, 25 ms
  windows every 10 ms, the energy coefficient c0 left out because it measures loudness, not voice). Its EER is
  printed next to GE2E's, so that it is seen doing its job (well below the 50 % of chance) before GE2E is compared
  with it.
- The EER is computed here from the sorted scores and checked against scikit-learn's ROC curve.

Needs the project's `collections` extra and the GE2E weights (``pip install --no-deps resemblyzer==0.1.4``).
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]


def voice_of(field: str) -> str:
    """`engine:voice:params` -> `engine:voice`."""
    return ":".join(field.split(":")[:2])


def read_split(data: Path, split: str) -> list[tuple[Path, str]]:
    lines = (data / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()
    return [(data / record["audio_filepath"], voice_of(record["voice"])) for record in map(json.loads, lines)]


def trials(voices: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every pair `(i, j)`, `i < j`, and whether it is a target trial."""
    pairs = np.array(list(itertools.combinations(range(len(voices)), 2)))
    target = np.array([voices[i] == voices[j] for i, j in pairs])
    return pairs[:, 0], pairs[:, 1], target


def equal_error_rate(scores: np.ndarray, target: np.ndarray) -> tuple[float, float]:
    """`(eer, threshold)`: where the false-reject rate (targets below the threshold) meets the false-accept rate
    (non-targets at or above it); the mean of the two rates at the crossing."""
    thresholds = np.unique(scores)
    targets, others = np.sort(scores[target]), np.sort(scores[~target])
    false_reject = np.searchsorted(targets, thresholds, side="left") / len(targets)
    false_accept = 1.0 - np.searchsorted(others, thresholds, side="left") / len(others)
    best = int(np.argmin(np.abs(false_reject - false_accept)))
    return float((false_reject[best] + false_accept[best]) / 2), float(thresholds[best])


def sklearn_eer(scores: np.ndarray, target: np.ndarray) -> float:
    from sklearn.metrics import roc_curve

    false_accept, true_accept, _ = roc_curve(target, scores)
    false_reject = 1.0 - true_accept
    best = int(np.nanargmin(np.abs(false_reject - false_accept)))
    return float((false_reject[best] + false_accept[best]) / 2)


def error_rates(scores: np.ndarray, target: np.ndarray, threshold: float) -> tuple[float, float]:
    accept = scores >= threshold
    return float((~accept[target]).mean()), float(accept[~target].mean())


def mean_mfcc(paths: list[Path]) -> torch.Tensor:
    import torchaudio
    from neuraltypes_collections.common import read_audio

    mfcc = torchaudio.transforms.MFCC(16000, n_mfcc=20, melkwargs={"n_fft": 400, "hop_length": 160, "n_mels": 40})
    vectors = [mfcc(read_audio(path, 16000)[0]).mean(dim=-1)[1:] for path in paths]
    return torch.nn.functional.normalize(torch.stack(vectors), dim=-1)


def ge2e(paths: list[Path]) -> torch.Tensor:
    from neuraltypes_collections.asr.speaker import GE2EModel, embed_speakers

    model = GE2EModel.from_pretrained("ge2e_resemblyzer")
    return torch.stack([result.vector for result in embed_speakers(model, [str(p) for p in paths], batch_size=16, progress=False)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "speech-mini")
    options = parser.parse_args()
    torch.set_num_threads(2)
    clips = {split: read_split(options.data, split) for split in ("train", "dev", "test")}
    everything = [clip for split in ("train", "dev", "test") for clip in clips[split]]
    paths = [path for path, _ in everything]
    offsets = {"train": 0, "dev": len(clips["train"]), "test": len(clips["train"]) + len(clips["dev"])}

    rows = []
    for name, embed in (("mean MFCC cosine (baseline)", mean_mfcc), ("GE2E (resemblyzer weights)", ge2e)):
        started = time.perf_counter()
        vectors = embed(paths).double().numpy()
        seconds = time.perf_counter() - started
        scores_of = {}
        for split in ("dev", "test"):
            block = vectors[offsets[split] : offsets[split] + len(clips[split])]
            left, right, target = trials([voice for _, voice in clips[split]])
            scores_of[split] = ((block[left] * block[right]).sum(axis=1), target)
        left, right, target = trials([voice for _, voice in everything])
        all_scores = (vectors[left] * vectors[right]).sum(axis=1)
        _, threshold = equal_error_rate(*scores_of["dev"])
        test_eer, _ = equal_error_rate(*scores_of["test"])
        assert abs(test_eer - sklearn_eer(*scores_of["test"])) < 0.01, "the EER disagrees with scikit-learn's"
        false_reject, false_accept = error_rates(*scores_of["test"], threshold)
        all_eer, _ = equal_error_rate(all_scores, target)
        rows.append((name, test_eer, threshold, false_reject, false_accept, all_eer, seconds))
        print(f"{name}: test trials {len(scores_of['test'][1])} ({int(scores_of['test'][1].sum())} target), "
              f"all trials {len(target)} ({int(target.sum())} target)")  # fmt: skip

    baseline, model = rows
    assert baseline[1] < 0.40, f"the baseline does not do its job (EER {baseline[1]:.1%}, chance is 50 %)"
    print()
    print("| method | EER test | threshold (dev EER point) | miss / false alarm at it (test) | EER all 350 clips | embed time |")
    print("|---|---|---|---|---|---|")
    for name, eer, threshold, miss, false_alarm, all_eer, seconds in rows:
        print(f"| {name} | {eer:.2%} | {threshold:.3f} | {miss:.2%} / {false_alarm:.2%} | {all_eer:.2%} | {seconds:.1f} s |")
    print()
    print(f"GE2E beats the baseline: {model[1] < baseline[1]} ({model[1]:.2%} < {baseline[1]:.2%})")


if __name__ == "__main__":
    main()
