"""The neuraltypes demo: the voice swap on a real recording, then the mistakes the contracts catch.

    recording -> Whisper tiny.en -> transcript -> strip -> punctuation model -> VITS voice -> recording
                                                   \\-> (raw, unpunctuated) -> VITS voice -> recording

Every model is real and offline (the `whisper`, `vits` and `pretrained` extras ship the weights). The stages are
checked by `neuraltypes.check_wiring` before any audio is read. The demo prints the transcript, the text before and
after punctuation, the seconds of each stage and a round trip (Whisper on the swapped speech, word error rate
against what it heard in the recording); it writes ``outputs/voice_swap.wav`` (spoken from the punctuated text),
``outputs/voice_swap_raw.wav`` (from the raw, unpunctuated transcript) and ``outputs/voice_swap.png``.

Run: ``make demo`` (or ``python examples/demo.py``).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

# Before torch loads OpenMP: threads that finish an operation sleep instead of spinning, so that on a machine
# other jobs keep busy they leave the cores to the thread still working (see `threads`).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch  # noqa: E402
from torch import Tensor  # noqa: E402

import neuraltypes as nt  # noqa: E402

ROOT = Path(__file__).resolve().parent
CLIP = ROOT / "data" / "sense_and_sensibility_0920_0930.wav"
OUT = Path("outputs")


def show(title: str, call) -> None:  # type: ignore[no-untyped-def]
    print(f"\n--- {title}")
    try:
        call()
    except nt.NeuralTypesError as error:
        print(str(error).splitlines()[0] if len(str(error)) > 400 else error)
    else:
        raise SystemExit(f"demo: expected a contract violation for {title!r}")


def voice_swap_demo() -> None:
    from neuraltypes_collections.asr import transcribe, wer
    from neuraltypes_collections.common import read_audio
    from neuraltypes_collections.pipelines import (
        Track,
        VoiceSwapper,
        save_voice_swap_png,
        spoken_form,
        spoken_words,
        unpunctuated,
        voice_swap,
    )
    from neuraltypes_collections.tts import synthesize

    OUT.mkdir(exist_ok=True)
    start = time.perf_counter()
    swapper = VoiceSwapper("whisper_tiny_en", "punctuation_en_minilm", "vits_en_joe", punctuate="always")
    print(f"models loaded in {time.perf_counter() - start:.1f} s")
    print(swapper.stages)

    result = voice_swap(CLIP, asr=swapper)
    result.save(OUT / "voice_swap.wav")
    raw_text = unpunctuated(result.transcript)
    raw_start = time.perf_counter()
    raw = synthesize(swapper.voice, raw_text, seed=0)
    raw_s = time.perf_counter() - raw_start
    raw.save(OUT / "voice_swap_raw.wav")
    assert result.audio is not None and raw.durations is not None

    times = result.times
    print(f"\nrecording:   {CLIP.relative_to(ROOT.parent)} ({result.input_duration_s:.2f} s)")
    print(f"transcript:  {result.transcript}")
    print(f"raw:         {raw_text}")
    print(f"punctuated:  {result.text}")
    print(f"stages:      read + speech detection {times.read_s:.2f} s, asr {times.asr_s:.2f} s, "
          f"punctuation {times.punctuation_s:.2f} s, tts {times.tts_s:.2f} s; "
          f"total {times.total_s:.2f} s, real-time factor {result.real_time_factor:.2f} "
          f"({torch.get_num_threads()} threads)")  # fmt: skip
    print(f"outputs:     {OUT / 'voice_swap.wav'} ({result.duration_s:.2f} s), "
          f"{OUT / 'voice_swap_raw.wav'} ({raw.duration_s:.2f} s, spoken in {raw_s:.2f} s)")

    heard = transcribe(swapper.recognizer, [result.audio, raw.audio])  # 22.05 kHz, resampled by the verb
    reference = spoken_form(result.transcript)
    for name, transcription in zip(("punctuated", "raw"), heard, strict=True):
        error = wer([reference], [spoken_form(transcription.text)])
        print(f"round trip ({name}): Whisper hears {transcription.text!r}: WER {100 * error.rate:.1f} % "
              f"against the transcript ({error.errors} of {error.reference_length} words)")

    raw_words = spoken_words(raw_text, raw.durations, swapper.voice)
    recording, rate = read_audio(CLIP)
    save_voice_swap_png(OUT / "voice_swap.png", [
        Track("input: the recording", recording, rate, result.input_words),
        Track("output spoken from the raw transcript (lowercase, no punctuation)", raw.audio, raw.sample_rate, raw_words),
        Track("output spoken from the punctuated text (pauses in orange)", result.audio,
              result.sample_rate, result.output_words),
    ])  # fmt: skip
    print(f"picture:     {OUT / 'voice_swap.png'}")


def contract_demo() -> None:
    from neuraltypes.examples import Encoder, Features

    print("\nThe mistakes the contracts catch, before any layer runs:")
    features, encoder = Features(), Encoder()
    phone_audio = nt.tag(torch.randn(2, 800), nt.tags.AudioSignal(8000))
    show("8 kHz audio into a 16 kHz model", lambda: features(phone_audio, torch.tensor([800, 800])))
    audio = nt.tag(torch.randn(2, 1600), nt.tags.AudioSignal(16000))
    mel, mel_lengths = features(audio, torch.tensor([1600, 1200]))
    show("a transposed spectrogram", lambda: encoder(mel.transpose(1, 2), mel_lengths))
    whisper = nt.Stage("WhisperModel", nt.AudioSignal[Tensor, "time", 16000], nt.TextForm("en", True, True))
    punctuation = nt.Stage("Punctuation", nt.TextForm("en", False, False), nt.TextForm("en", True, True))
    voice = nt.Stage("VitsModel", nt.TextForm("en-us", punctuated=True), nt.AudioSignal[Tensor, "time", 22050])
    show("Whisper's punctuated text straight into the punctuation model",
         lambda: nt.check_wiring([whisper, punctuation, voice]).raise_if_failed())
    show("the 22.05 kHz voice straight back into the 16 kHz recogniser",
         lambda: nt.check_wiring([voice, whisper]).raise_if_failed())


def threads() -> int:
    """Two threads, or fewer where torch is told so (``OMP_NUM_THREADS``). With OpenMP's threads spinning while
    they wait (its default), two threads on this project's shared 2-core machine made the demo several times
    slower than one (104 s against 26 s at a load average of 12); waiting passively, two are faster than one there
    too (the voice swap of the five LibriVox clips: real-time factor 0.18 on two, 0.28 on one, at a load of 7)."""
    return max(1, min(2, torch.get_num_threads()))


def main() -> None:
    start = time.perf_counter()
    torch.set_num_threads(threads())
    voice_swap_demo()
    contract_demo()
    print(f"\ndemo finished in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    sys.exit(main())
