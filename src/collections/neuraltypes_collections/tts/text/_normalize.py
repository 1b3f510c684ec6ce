"""English text normalisation for synthesis: numbers, ordinals, currency, percentages and abbreviations to words.

Numbers are spelled by `num2words` (imported on first use). The rules follow the usual LJSpeech-style cleaners: a
four-digit number between 1100 and 2099 that is not a quantity of money is read as a year.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from ...common._errors import ModelNotAvailableError

_ABBREVIATIONS = {
    "mr": "mister",
    "mrs": "misess",
    "ms": "miss",
    "dr": "doctor",
    "drs": "doctors",
    "st": "saint",
    "co": "company",
    "jr": "junior",
    "sr": "senior",
    "maj": "major",
    "gen": "general",
    "rev": "reverend",
    "lt": "lieutenant",
    "hon": "honorable",
    "sgt": "sergeant",
    "capt": "captain",
    "esq": "esquire",
    "ltd": "limited",
    "col": "colonel",
    "ft": "fort",
    "prof": "professor",
    "vs": "versus",
    "etc": "et cetera",
    "approx": "approximately",
    "no": "number",
}
_ABBREVIATION_RE = re.compile(r"\b(" + "|".join(_ABBREVIATIONS) + r")\.", re.IGNORECASE)
# "No." is an abbreviation only before a number ("No. 5"), otherwise it ends a sentence ("I said no.").
_CURRENCIES = {"$": ("dollar", "dollars", "cent", "cents"), "£": ("pound", "pounds", "penny", "pence"),
               "€": ("euro", "euros", "cent", "cents")}  # fmt: skip
_CURRENCY_RE = re.compile(r"([$£€])\s?(\d[\d,]*)(?:\.(\d{1,2}))?(\s?(?:thousand|million|billion|trillion))?\b")
_PERCENT_RE = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s?%")
_ORDINAL_RE = re.compile(r"\b(\d[\d,]*)(st|nd|rd|th)\b", re.IGNORECASE)
_DECIMAL_RE = re.compile(r"\b(\d[\d,]*)\.(\d+)\b")
_NUMBER_RE = re.compile(r"\b\d[\d,]*\b")
_TIME_RE = re.compile(r"\b([01]?\d|2[0-3]):([0-5]\d)\b")
_QUOTES = {"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "–": "-", "—": " - ", "…": "..."}


def _num2words(number: Any, **kwargs: Any) -> str:
    try:
        from num2words import num2words  # type: ignore[import-untyped]  # ships no type hints
    except ModuleNotFoundError as error:  # pragma: no cover - depends on the environment
        raise ModelNotAvailableError(
            "number normalisation needs the 'num2words' package: pip install 'neuraltypes[collections]'"
        ) from error
    return str(num2words(number, lang="en", **kwargs)).replace(",", "")


def _plain(digits: str) -> int:
    return int(digits.replace(",", ""))


def _spell_integer(digits: str) -> str:
    value = _plain(digits)
    is_year = len(digits) == 4 and (1100 <= value <= 1999 or 2010 <= value <= 2099)
    if is_year:
        return _num2words(value, to="year")
    return _num2words(value)


def _currency(match: re.Match[str]) -> str:
    one, many, cent, cents = _CURRENCIES[match.group(1)]
    whole = _plain(match.group(2))
    fraction = int((match.group(3) or "0").ljust(2, "0"))
    scale = match.group(4)
    if scale:
        amount = _num2words(whole) + " " + scale.strip()
        if match.group(3):
            amount = _num2words(float(f"{whole}.{match.group(3)}")) + " " + scale.strip()
        return f"{amount} {many}"
    parts = []
    if whole or not fraction:
        parts.append(f"{_num2words(whole)} {one if whole == 1 else many}")
    if fraction:
        parts.append(f"{_num2words(fraction)} {cent if fraction == 1 else cents}")
    return " and ".join(parts)


def _time(match: re.Match[str]) -> str:
    hours, minutes = int(match.group(1)), int(match.group(2))
    if minutes == 0:
        return f"{_num2words(hours)} o'clock"
    if minutes < 10:
        return f"{_num2words(hours)} oh {_num2words(minutes)}"
    return f"{_num2words(hours)} {_num2words(minutes)}"


def _abbreviation(match: re.Match[str]) -> str:
    word = match.group(1)
    expansion = _ABBREVIATIONS[word.lower()]
    if word.lower() == "no" and not re.match(r"\s*\d", match.string[match.end() :]):
        return match.group(0)
    return expansion.capitalize() if word[0].isupper() else expansion


def normalize_text(text: str) -> str:
    """Spell out what a speaker would say: "Dr. Smith paid $5.50 on the 3rd" -> "Doctor Smith paid five dollars
    and fifty cents on the third".

    **Arguments:**

    - `text`: English text.

    **Returns:** the text with numbers (cardinals, ordinals, decimals, years, times, percentages, money) and common
    abbreviations written as words, typographic quotes and dashes made plain, and whitespace collapsed.
    """
    text = unicodedata.normalize("NFC", text)
    for fancy, plain in _QUOTES.items():
        text = text.replace(fancy, plain)
    text = _ABBREVIATION_RE.sub(_abbreviation, text)
    text = _CURRENCY_RE.sub(_currency, text)
    text = _PERCENT_RE.sub(lambda m: f"{m.group(1)} percent", text)
    text = _TIME_RE.sub(_time, text)
    text = _ORDINAL_RE.sub(lambda m: _num2words(_plain(m.group(1)), to="ordinal"), text)
    text = _DECIMAL_RE.sub(lambda m: f"{_spell_integer(m.group(1))} point {' '.join(_num2words(int(d)) for d in m.group(2))}", text)
    text = _NUMBER_RE.sub(lambda m: _spell_integer(m.group(0)), text)
    text = text.replace("&", " and ")
    return re.sub(r"\s+", " ", text).strip()


__all__ = ["normalize_text"]
