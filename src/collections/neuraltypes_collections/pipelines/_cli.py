"""`neuraltypes voice-swap`: recognise a recording, restore its punctuation, speak it again with another voice.

    neuraltypes voice-swap talk.wav -o swapped.wav                      # whisper_tiny_en -> vits_en_joe
    neuraltypes voice-swap talk.wav -o swapped.wav --punctuate always --png swap.png --json

A long recording is streamed: read, recognised and spoken one stretch (<= 30 s, cut in a pause) at a time, into
the WAV file, which is written atomically: a bad input, a recording without speech or a failing stage leaves
nothing at -o. Errors print one line and exit with status 1.
"""

from __future__ import annotations

import argparse
import json
import time

__all__ = ["voice_swap_command"]


def voice_swap_command(argv: list[str]) -> int:
    """Entry point of `neuraltypes voice-swap` (argv without the program and command names)."""
    from ..common._audio import read_audio
    from ..common._cli import apply_model_options, seed
    from ._voice_swap import MODES, VoiceSwapper, voice_swap

    parser = argparse.ArgumentParser(prog="neuraltypes voice-swap", description=__doc__.split("\n")[0])
    parser.add_argument("input", help="the recording (wav, flac or ogg; any rate, channels averaged)")
    parser.add_argument("-o", "--output", required=True, help="the WAV file to write")
    parser.add_argument("--asr", default="whisper_tiny_en", help="recogniser (default whisper_tiny_en)")
    parser.add_argument("--punctuation", default="punctuation_en_minilm",
                        help="punctuation model (default punctuation_en_minilm)")  # fmt: skip
    parser.add_argument("--tts", default="vits_en_joe", help="voice (default vits_en_joe)")
    parser.add_argument("--punctuate", choices=MODES, default="auto",
                        help="auto: only an unpunctuated transcript; always: strip and restore; never (default auto)")
    parser.add_argument("--png", metavar="FILE", help="also draw input and output (waveforms, spectrograms, words)")
    parser.add_argument("--seed", type=seed, default=0, help="seed of the voice's noise (default 0)")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads for torch (default: torch's choice)")
    parser.add_argument("--json", action="store_true", help="print the result as one JSON object")
    options = parser.parse_args(argv)
    apply_model_options(options)
    read_audio(options.input, duration_s=0.1)  # a missing or unreadable file fails before any model loads
    start = time.perf_counter()
    swapper = VoiceSwapper(options.asr, options.punctuation, options.tts, options.punctuate)
    load_s = time.perf_counter() - start
    result = voice_swap(options.input, asr=swapper, output=options.output, seed=options.seed)
    if options.png:
        from ._figure import Track, save_voice_swap_png

        recording, rate = read_audio(options.input, duration_s=20.0)
        spoken, spoken_rate = read_audio(options.output, duration_s=20.0)
        save_voice_swap_png(options.png, [Track(f"input: {options.input}", recording, rate, result.input_words),
                                          Track(f"output: {options.output}", spoken, spoken_rate,
                                                result.output_words)])  # fmt: skip
    times = result.times
    if options.json:
        words = result.output_words
        print(json.dumps({
            "input": options.input, "output": options.output, "stages": result.stages,
            "transcript": result.transcript, "text": result.text,
            "input_duration_s": round(result.input_duration_s, 3), "duration_s": round(result.duration_s, 3),
            "sample_rate": result.sample_rate, "load_s": round(load_s, 3),
            "times_s": {"read": round(times.read_s, 3), "asr": round(times.asr_s, 3),
                        "punctuation": round(times.punctuation_s, 3), "tts": round(times.tts_s, 3),
                        "total": round(times.total_s, 3)},
            "real_time_factor": round(result.real_time_factor, 4),
            "output_words": None if words is None else [[w.text, round(w.start_s, 3), round(w.end_s, 3)]
                                                        for w in words],
        }))  # fmt: skip
    else:
        print(result.stages)
        print(f"transcript: {result.transcript}")
        print(f"spoken:     {result.text}")
        print(f"{options.output}: {result.duration_s:.2f} s at {result.sample_rate} Hz from {result.input_duration_s:.2f} s "
              f"in {len(result.segments)} stretch(es); read {times.read_s:.2f} s, asr {times.asr_s:.2f} s, "
              f"punctuation {times.punctuation_s:.2f} s, tts {times.tts_s:.2f} s, real-time factor "
              f"{result.real_time_factor:.2f} (models loaded in {load_s:.1f} s)")  # fmt: skip
    return 0
