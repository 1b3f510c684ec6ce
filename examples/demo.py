"""The neuraltypes demo: a typed audio pipeline, then the three mistakes it catches.

    audio (16 kHz) -> Features -> Encoder -> Decoder -> log-probs

Run: ``make demo`` (or ``python examples/demo.py``).
"""

from __future__ import annotations

import torch

import neuraltypes as nt
from neuraltypes.examples import Decoder, Encoder, Features, Pipeline


def show(title: str, call) -> None:  # type: ignore[no-untyped-def]
    print(f"\n--- {title}")
    try:
        call()
    except nt.ContractViolation as error:
        print(error)
    else:
        raise SystemExit(f"demo: expected a contract violation for {title!r}")


def main() -> None:
    torch.manual_seed(0)
    model = Pipeline().eval()
    print(nt.check_wiring([model.features, model.encoder, model.decoder]))
    audio = nt.tag(torch.randn(2, 1600), nt.tags.AudioSignal(16000))
    lengths = torch.tensor([1600, 1200])
    with torch.no_grad():
        log_probs, frames = model(audio, lengths)
    print(f"audio {nt.describe_value(audio)} -> log-probs {nt.describe_value(log_probs)}, lengths {frames.tolist()}")

    features, encoder, decoder = Features(), Encoder(), Decoder()
    phone_audio = nt.tag(torch.randn(2, 800), nt.tags.AudioSignal(8000))
    show("8 kHz audio into a 16 kHz model", lambda: features(phone_audio, torch.tensor([800, 800])))
    mel, mel_lengths = features(audio, lengths)
    show("a transposed spectrogram", lambda: encoder(mel.transpose(1, 2), mel_lengths))
    show("lengths from another batch", lambda: encoder(mel, torch.tensor([200, 150, 100])))
    show("a spectrogram where the encoding was expected", lambda: decoder(nt.tag(torch.randn(2, 16, 200), nt.tag_of(mel))))
    print("\nEvery mistake was caught at the call, before any layer ran.")


if __name__ == "__main__":
    main()
