"""Draw the site's pictures into docs/images/: the voice swap, a log-mel spectrogram and a text-to-speech alignment.

All three come from the shipped LibriVox clip and the shipped models (Whisper tiny.en, the punctuation model and
the VITS voice: the `all` extras), computed by the library itself; nothing is drawn by hand. Run from the
repository root, after `make install`:

    python docs/make_figures.py

It prints what the voice swap heard and said (the getting-started page quotes it) and each picture's size.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:
    from neuraltypes_collections.pipelines import VoiceSwapper

ROOT = Path(__file__).resolve().parents[1]
CLIP = ROOT / "examples" / "data" / "sense_and_sensibility_0920_0930.wav"
IMAGES = ROOT / "docs" / "images"
SENTENCE = "Typed modules speak, too."


def voice_swap_figure() -> VoiceSwapper:
    """The voice swap of the clip, drawn as `make demo` draws it: the recording, then the voice reading what
    Whisper heard (already punctuated, so ``punctuate="auto"`` skips the punctuation model). Returns the swapper,
    whose VITS voice the alignment uses."""
    from neuraltypes_collections.common import read_audio
    from neuraltypes_collections.pipelines import Track, VoiceSwapper, save_voice_swap_png, voice_swap

    swapper = VoiceSwapper("whisper_tiny_en", "punctuation_en_minilm", "vits_en_joe")  # punctuate="auto"
    result = voice_swap(CLIP, asr=swapper)
    assert result.audio is not None
    recording, rate = read_audio(CLIP)
    save_voice_swap_png(IMAGES / "voice_swap.png", [
        Track("input: the recording (a LibriVox reader)", recording, rate, result.input_words),
        Track("output: the VITS voice reading Whisper's transcript (pauses in orange)", result.audio,
              result.sample_rate, result.output_words),
    ])  # fmt: skip
    print(f"transcript: {result.transcript}")
    print(f"spoken:     {result.text}")
    return swapper


def spectrogram_figure() -> None:
    """The clip's log-mel features as the ASR models see them: MelSpectrogram[Tensor, "batch mel frame"]."""
    import matplotlib.pyplot as plt
    from neuraltypes_collections.common import MelConfig, MelFrontEnd, read_audio

    audio, rate = read_audio(CLIP, 16000)
    config = MelConfig.nemo_asr()
    with torch.no_grad():
        mel, frames = MelFrontEnd(config).eval()(audio[None], torch.tensor([audio.numel()]))
    seconds = audio.numel() / rate
    figure, axis = plt.subplots(figsize=(9, 2.6), dpi=72)
    axis.imshow(mel[0, :, : int(frames[0])].numpy(), origin="lower", aspect="auto", cmap="magma",
                extent=(0.0, seconds, 0.0, float(config.n_mels)))  # fmt: skip
    axis.set_title(f'MelSpectrogram[Tensor, "batch mel frame"]: {config.n_mels} mels, a frame every '
                   f"{1000 * config.hop_length // rate} ms (the ASR features of the clip)", loc="left", fontsize=9)
    axis.set_xlabel("seconds")
    axis.set_ylabel("mel")
    figure.tight_layout()
    figure.savefig(IMAGES / "spectrogram.png")
    plt.close(figure)


def alignment_figure(voice: torch.nn.Module) -> None:
    """Which spectrogram frames each phoneme of a sentence gets: the VITS voice's `durations`
    (TokenDuration[Tensor, "batch token"]) drawn as a phoneme x frame matrix."""
    import matplotlib.pyplot as plt
    from neuraltypes_collections.tts.models import VitsModel

    assert isinstance(voice, VitsModel)
    ids = voice.parse(SENTENCE)[0]
    with torch.no_grad():
        out = voice(ids[None], torch.tensor([ids.numel()]), generator=torch.Generator().manual_seed(0))
    durations = out.durations[0].tolist()
    symbols = {index: symbol for symbol, index in voice.config.phoneme_ids.items()}
    keep = [row for row, index in enumerate(ids.tolist()) if symbols.get(index) != "_"]  # Piper's padding
    total = int(out.frames[0])
    matrix = torch.zeros(len(keep), total)
    starts = torch.tensor([0, *durations]).cumsum(0).tolist()
    for place, row in enumerate(keep):
        matrix[place, int(starts[row]) : int(starts[row + 1])] = 1.0
    figure, axis = plt.subplots(figsize=(9, 5.2), dpi=72)
    axis.imshow(matrix.numpy(), origin="upper", aspect="auto", cmap="Blues", interpolation="nearest")
    axis.set_yticks(range(len(keep)), [symbols.get(int(ids[row]), "?") for row in keep], fontsize=9)
    axis.set_xlabel(f"spectrogram frame ({voice.hop_length} samples at {voice.sample_rate} Hz)")
    axis.set_ylabel("phoneme")
    axis.set_title(f'"{SENTENCE}": the durations VITS predicts, one phoneme per row', loc="left", fontsize=9)
    figure.tight_layout()
    figure.savefig(IMAGES / "alignment.png")
    plt.close(figure)


def shrink(path: Path) -> None:
    """Rewrite a PNG with a 64-colour palette: a third of the size, no visible change at this resolution."""
    from PIL import Image

    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=64)
    small.save(path, optimize=True)


def main() -> None:
    import matplotlib

    matplotlib.use("Agg")
    torch.manual_seed(0)
    IMAGES.mkdir(exist_ok=True)
    swapper = voice_swap_figure()
    spectrogram_figure()
    alignment_figure(swapper.voice)
    for path in sorted(IMAGES.glob("*.png")):
        shrink(path)
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
