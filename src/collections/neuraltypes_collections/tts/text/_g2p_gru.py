"""Neural G2P for words outside the dictionary: the GRU encoder-decoder bundled with the `g2p-en` package.

The checkpoint (`checkpoint20.npz`: a 256-unit GRU encoder over letters, a GRU decoder over ARPAbet phonemes) is
read from the installed package's folder. The `g2p_en` module itself is never imported: importing it downloads
NLTK data.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn

from neuraltypes import NeuralModule, TokenIndex

from ...common._errors import ModelNotAvailableError
from ...common._weights import load_state_dict_checked

LETTERS = ("<pad>", "<unk>", "</s>", *"abcdefghijklmnopqrstuvwxyz")
# Output symbols of the checkpoint, in its index order (it has one unstressed "UW" besides UW0-2).
PHONEMES = (
    "<pad>", "<unk>", "<s>", "</s>",
    "AA0", "AA1", "AA2", "AE0", "AE1", "AE2", "AH0", "AH1", "AH2", "AO0", "AO1", "AO2", "AW0", "AW1", "AW2",
    "AY0", "AY1", "AY2", "B", "CH", "D", "DH", "EH0", "EH1", "EH2", "ER0", "ER1", "ER2", "EY0", "EY1", "EY2",
    "F", "G", "HH", "IH0", "IH1", "IH2", "IY0", "IY1", "IY2", "JH", "K", "L", "M", "N", "NG", "OW0", "OW1",
    "OW2", "OY0", "OY1", "OY2", "P", "R", "S", "SH", "T", "TH", "UH0", "UH1", "UH2", "UW", "UW0", "UW1", "UW2",
    "V", "W", "Y", "Z", "ZH",
)  # fmt: skip
_START, _END = PHONEMES.index("<s>"), PHONEMES.index("</s>")


def g2p_en_checkpoint() -> Path:
    """Path of `checkpoint20.npz` inside the installed `g2p-en` package (never imported)."""
    spec = importlib.util.find_spec("g2p_en")
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotAvailableError(
            "the neural G2P fallback reads the optional package 'g2p-en': pip install 'neuraltypes[pretrained]'"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "checkpoint20.npz"
    if not path.is_file():
        raise ModelNotAvailableError(
            f"{path}: g2p-en is installed but its checkpoint is missing; "
            "reinstall it with `pip install --force-reinstall g2p-en`"
        )
    return path


class GruG2P(NeuralModule):
    """GRU encoder-decoder from letters to ARPAbet phonemes (greedy decoding).

    `forward(letters)` takes letter ids (`LETTERS`, each row ending with `</s>`, rows of equal length) and
    returns phoneme ids (`PHONEMES`) padded with `<pad>` after each row's `</s>`. `word(text)` converts one word.

    **Arguments:**

    - `hidden`, `embedding`: sizes (256 and 256 for the g2p-en checkpoint).
    - `max_phonemes`: decoding limit per word.
    """

    def __init__(self, hidden: int = 256, embedding: int = 256, max_phonemes: int = 20) -> None:
        super().__init__()
        self.max_phonemes = max_phonemes
        self.enc_emb = nn.Embedding(len(LETTERS), embedding)
        self.encoder = nn.GRUCell(embedding, hidden)
        self.dec_emb = nn.Embedding(len(PHONEMES), embedding)
        self.decoder = nn.GRUCell(embedding, hidden)
        self.fc = nn.Linear(hidden, len(PHONEMES))

    @classmethod
    def from_g2p_en(cls) -> GruG2P:
        """The model with the `g2p-en` package's weights, in eval mode."""
        path = g2p_en_checkpoint()
        data = np.load(path, allow_pickle=False)
        model = cls(hidden=data["enc_w_hh"].shape[1], embedding=data["enc_emb"].shape[1])
        state = {
            "enc_emb.weight": data["enc_emb"], "dec_emb.weight": data["dec_emb"],
            "encoder.weight_ih": data["enc_w_ih"], "encoder.weight_hh": data["enc_w_hh"],
            "encoder.bias_ih": data["enc_b_ih"], "encoder.bias_hh": data["enc_b_hh"],
            "decoder.weight_ih": data["dec_w_ih"], "decoder.weight_hh": data["dec_w_hh"],
            "decoder.bias_ih": data["dec_b_ih"], "decoder.bias_hh": data["dec_b_hh"],
            "fc.weight": data["fc_w"], "fc.bias": data["fc_b"],
        }  # fmt: skip
        weights = {key: torch.from_numpy(np.asarray(value, dtype=np.float32)) for key, value in state.items()}
        load_state_dict_checked(model, weights, source=str(path))
        return model.eval()

    def forward(self, letters: TokenIndex[Tensor, "batch letter"]) -> TokenIndex[Tensor, "batch step"]:
        embedded = self.enc_emb(letters)
        h = embedded.new_zeros(letters.shape[0], self.encoder.hidden_size)
        for t in range(letters.shape[1]):
            h = self.encoder(embedded[:, t], h)
        previous = torch.full((letters.shape[0],), _START, dtype=torch.long, device=letters.device)
        finished = torch.zeros(letters.shape[0], dtype=torch.bool, device=letters.device)
        outputs = []
        for _ in range(self.max_phonemes):
            h = self.decoder(self.dec_emb(previous), h)
            previous = self.fc(h).argmax(-1)
            outputs.append(previous.masked_fill(finished, 0))
            finished |= previous == _END
            if bool(finished.all()):
                break
        return torch.stack(outputs, 1)

    @torch.no_grad()
    def word(self, word: str) -> list[str]:
        """ARPAbet phonemes of one lower-case word (letters outside a-z count as unknown)."""
        ids = [LETTERS.index(c) if c in LETTERS[3:] else 1 for c in word.lower()] + [LETTERS.index("</s>")]
        out: list[str] = []
        for index in self(torch.tensor([ids]))[0].tolist():
            if index in (0, _END):
                break
            symbol = PHONEMES[index]
            out.append("UW1" if symbol == "UW" else symbol)  # keep every vowel stress-marked
        return out


__all__ = ["GruG2P", "LETTERS", "PHONEMES", "g2p_en_checkpoint"]
