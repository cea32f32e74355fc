"""Read a number the way people type it: `2,280`, `15%`, `£19m`, `19 million`, `about 300`.

Trainees answer exercises in a text box, not in Python. `read_answer` turns what they typed
into a number in the exercise's unit, or raises `AnswerError` with a sentence saying exactly
what to change (a decimal comma, a number in words, two numbers, a unit that does not fit).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["number", "percent", "share", "money_million", "year"]
KINDS: tuple[str, ...] = ("number", "percent", "share", "money_million", "year")

_MINUS = str.maketrans({"\u2212": "-", "\u2013": "-", "\u2014": "-", "\u00a0": " ",
                        "\u202f": " ", "\u2009": " "})
_HEDGES = re.compile(r"^(about|around|roughly|approx\.?|approximately|nearly|almost|c\.|~|≈)\s*",
                     re.IGNORECASE)
_MULTIPLIERS = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6, "millions": 1e6,
                "bn": 1e9, "b": 1e9, "billion": 1e9, "billions": 1e9}
_WORD_NUMBERS = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
                 "ten", "eleven", "twelve", "twenty", "thirty", "forty", "fifty", "sixty",
                 "seventy", "eighty", "ninety", "hundred", "thousand", "half", "quarter"}
_ALWAYS_FINE = {"a", "per", "each", "of", "the", "in", "year", "years", "month", "months",
                "week", "weeks"}


class AnswerError(ValueError):
    """What a trainee typed cannot be read as an answer; the message says what to change."""


@dataclass(frozen=True)
class Reading:
    """A number as typed: its value, whether it came with `%` or a multiplier like `m`, and any
    words around it (`weeks`, `year`) for `read_answer` to judge against the unit."""

    value: float
    percent: bool = False
    multiplied: bool = False
    words: str = ""


def _unit_words(unit: str) -> set[str]:
    words = {w.lower().strip(".,()") for w in re.split(r"[\s/]+", unit) if w}
    return words | {w[:-1] for w in words if w.endswith("s")} | {w + "s" for w in words}


def _plain_number(text: str, original: str) -> float:
    """`2,280`, `2 280`, `2280.5`, `.3`, `-5` as a float; a decimal comma is refused."""
    compact = text.replace(" ", "") if re.fullmatch(r"[-+]?\d{1,3}( \d{3})+(\.\d+)?", text) else text
    if re.fullmatch(r"[-+]?\d{1,3}(,\d{3})+(\.\d+)?", compact):
        return float(compact.replace(",", ""))
    if re.fullmatch(r"[-+]?(\d+(\.\d*)?|\.\d+)", compact):
        return float(compact)
    if re.fullmatch(r"[-+]?\d+,\d+", compact):
        whole, decimals = compact.split(",")
        raise AnswerError(
            f"“{original}” looks like a decimal comma. Please use a full stop for decimals, "
            f"like {whole}.{decimals}; commas are only for thousands, like 2,280.")
    if re.search(r"\d\s*[-–to]+\s*\d", text) or len(re.findall(r"\d+(?:[.,]\d+)*", text)) > 1:
        raise AnswerError(f"“{original}” has more than one number. Please type one number: "
                          "if you are unsure, your best single guess.")
    raise AnswerError(f"“{original}” is not a number I can read. Type digits, like 2,280 or 0.3.")


def read_number(typed: str) -> Reading:
    """Read one number from `typed`, keeping track of `%` and multipliers (`19m`, `1.2 bn`)."""
    original = str(typed).strip()
    text = original.translate(_MINUS).strip()
    if not text:
        raise AnswerError("The box is empty. Type a number, then press Check.")
    text = _HEDGES.sub("", text).strip()
    lowered = text.lower()
    if not re.search(r"\d", text):
        if any(word in _WORD_NUMBERS for word in re.findall(r"[a-z]+", lowered)):
            raise AnswerError(f"Please type the number in digits, for example 20 rather than "
                              f"“{original}”.")
        raise AnswerError(f"“{original}” is not a number. Type digits, like 2,280 or 0.3.")
    lead_match = re.match(r"^([a-zA-Z][a-zA-Z ]*?)\s*(?=[-+£\d.])", text)
    lead = lead_match.group(1) if lead_match else ""
    text = text[lead_match.end():] if lead_match else text
    percent = False
    if lowered.endswith("%") or re.search(r"\s*(percent|per cent|pc)$", lowered):
        percent = True
        text = re.sub(r"\s*(%|percent|per cent|pc)$", "", text, flags=re.IGNORECASE).strip()
    text = re.sub(r"^([-+]?)\s*£\s*", r"\1", text)
    if text[:1] in "$€":
        raise AnswerError("Amounts in this course are in pounds (£). Type the number alone, "
                          "or with £, like £19m.")
    match = re.match(r"^([-+]?[\d][\d,. ]*|[-+]?\.\d+)\s*([a-zA-Z].*)?$", text)
    if not match:
        return Reading(_plain_number(text, original), percent, words=lead)
    number_text, rest = match.group(1).strip(), (match.group(2) or "").strip()
    if re.search(r"\d", rest):
        raise AnswerError(f"“{original}” has more than one number. Please type one number: "
                          "if you are unsure, your best single guess.")
    value = _plain_number(number_text, original)
    multiplied = False
    if rest:
        first, _, remainder = rest.partition(" ")
        factor = _MULTIPLIERS.get(first.lower())
        if factor is not None:
            value, multiplied, rest = value * factor, True, remainder.strip()
    if rest.endswith("%"):
        percent, rest = True, rest[:-1].strip()
    return Reading(value, percent, multiplied, words=f"{lead} {rest}".strip())


def read_answer(typed: str, unit: str = "", kind: Kind = "number") -> float:
    """The number `typed` means, in the exercise's `unit`.

    `kind` says what the answer is: "number" (a count or quantity in `unit`), "percent"
    (percentage points: `15%` and `15` both give 15), "share" (a fraction: `15%` and `0.15`
    both give 0.15), "money_million" (£ million: `£19m`, `19 million`, `£19,000,000` and `19`
    all give 19) or "year" (a calendar year or a year number, as typed).
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}.")
    reading = read_number(typed)
    allowed = _unit_words(unit) | _ALWAYS_FINE
    if any(w not in allowed for w in re.findall(r"[a-zA-Z£]+", reading.words.lower())):
        shown = f" (the unit, {unit}, is shown beside the box)" if unit else ""
        raise AnswerError(f"Please type just the number{shown}; I could not read "
                          f"“{reading.words}” in “{str(typed).strip()}”.")
    value = reading.value
    if kind == "percent":
        return value
    if kind == "share":
        if reading.percent:
            return value / 100
        if value > 1:
            raise AnswerError(f"A share is between 0 and 1 (for example 0.3), or type it as a "
                              f"percentage with the % sign, like {value:g}%.")
        return value
    if reading.percent:
        raise AnswerError(f"This answer is not a percentage: type a number of {unit or 'units'} "
                          "without the % sign.")
    if kind == "money_million" and (reading.multiplied or abs(value) >= 100_000):
        return value / 1e6  # typed in pounds (£19m, £19,000,000): the answer is in £ million
    return value
