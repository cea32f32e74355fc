"""Answer widgets for exercises: a number box, choices, drop-downs, and a Check button.

A trainee answers with the mouse and the number keys; nothing they type is run as Python.
Feedback never raises and never gives the answer away on a wrong try: it says what the answer
showed and gives a hint; after two wrong tries a "Show me the answer" button appears.

Every question has a `key` such as "02-ex3" (module 02, exercise 3) and a CSS class
`cyp-q-02-ex3`, so a browser test can find it. Questions can say what their answer looks like
in text (`leak_patterns`), so a test can prove a trainee notebook never shows it early.
"""

from __future__ import annotations

import html
import logging
import re
from typing import Any, Callable, Mapping, Sequence

import ipywidgets as widgets

from ..analysis.checks import CheckResult
from .answer_reading import AnswerError, Kind, read_answer
from .progress import record_attempt

log = logging.getLogger(__name__)

RIGHT, WRONG, UNREADABLE, REVEALED, NOTED = "right", "wrong", "unreadable", "revealed", "noted"
TRIES_BEFORE_REVEAL = 2
# Colours, not emoji: offline machines and projectors often lack an emoji font.
_COLOURS = {RIGHT: "#007A4D", WRONG: "#B35900", UNREADABLE: "#8A5A00", REVEALED: "#0072B2",
            NOTED: "#0072B2"}
_HEADINGS = {RIGHT: "Well done.", WRONG: "Not yet.", UNREADABLE: "I could not read that.",
             REVEALED: "The answer:", NOTED: "Thank you."}
_STYLE = widgets.HTML(
    "<style>.cyp-question{border-left:4px solid #0072B2;padding:6px 12px;margin:6px 0;"
    "background:#f6f9fc;max-width:760px}"
    ".cyp-question .widget-radio-box label{white-space:normal;line-height:1.4;margin:3px 0;"
    "height:auto;min-height:var(--jp-widgets-inline-height);align-items:flex-start}"
    ".cyp-question .widget-radio-box input{margin-top:4px}"
    ".cyp-question .widget-radio-box{width:auto}"
    ".cyp-feedback{max-width:720px;white-space:normal}"
    ".cyp-feedback p{margin:4px 0}</style>")


def format_value(value: float, kind: Kind = "number", unit: str = "", decimals: int = 0) -> str:
    """A number as people write it: `2,280 children`, `15%`, `£19 million`, `2031`."""
    if kind == "percent":
        return f"{value:,.{decimals}f}%"
    if kind == "share":
        return f"{value * 100:,.{max(decimals - 2, 0)}f}%"
    if kind == "money_million":
        return f"£{value:,.{decimals}f} million"
    if kind == "year":
        return f"{value:.0f}"
    return f"{value:,.{decimals}f} {unit}".strip()


def number_patterns(value: float, kind: Kind = "number", unit: str = "",
                    decimals: int = 0) -> list[str]:
    """Regular expressions that find `value` written as an answer (with its unit, or 'about')."""
    shown = value * 100 if kind == "share" else value
    places = {decimals, 0} if kind != "share" else {max(decimals - 2, 0), 0}
    forms = set()
    for d in places:
        forms |= {f"{shown:,.{d}f}", f"{shown:.{d}f}"}
    forms = {f for f in forms if f.strip("0.,-")}  # '0' alone would match everywhere
    unit_words = [re.escape(w) for w in re.split(r"\s+", unit) if len(w) > 1][:1]
    if kind in ("percent", "share"):
        unit_words = ["%", "per ?cent"]
    elif kind == "money_million":
        unit_words = ["m\\b", "million", "bn"]
    elif kind == "year":
        unit_words = []
    patterns = []
    for form in sorted(forms):
        number = rf"(?<![\d.,]){re.escape(form)}(?![\d]|[.,]\d)"
        if unit_words:
            patterns.append(rf"{number}\s*(?:{'|'.join(unit_words)})")
        if kind == "money_million":
            patterns.append(rf"£\s*{number}")
        if kind == "year":
            patterns.append(rf"\b(?:year|by|in)\s+{number}")
        patterns.append(rf"\b(?:about|around|roughly|nearly)\s+{'£?' if kind == 'money_million' else ''}{number}")
    return patterns


class Question:
    """One exercise: its controls, a Check button, feedback, and a reveal after two tries."""

    def __init__(self, key: str, *, hint: str, answer: Callable[[], str],
                 explanation: str = "", leaks: Sequence[str] = ()):
        self.key, self.hint, self._answer, self.explanation = key, hint, answer, explanation
        self._extra_leaks = list(leaks)
        self.tries, self.result, self._last_wrong = 0, None, None
        self.state = ""  # what the feedback shows: "", right, wrong, unreadable, revealed, noted
        self.check_button = widgets.Button(description="Check", button_style="primary",
                                           tooltip="Check your answer")
        self.check_button.add_class("cyp-check")
        self.reveal_button = widgets.Button(description="Show me the answer",
                                            layout=widgets.Layout(display="none", width="auto"))
        self.reveal_button.add_class("cyp-reveal")
        self.feedback = widgets.HTML("")
        self.feedback.add_class("cyp-feedback")
        self.check_button.on_click(lambda _: self._safely(self.press_check))
        self.reveal_button.on_click(lambda _: self._safely(self.reveal))
        self.box = widgets.VBox([_STYLE, *self.controls(),
                                 widgets.HBox([self.check_button, self.reveal_button]),
                                 self.feedback])
        self.box.add_class("cyp-question")
        self.box.add_class(f"cyp-q-{key}")

    # ---- what each kind of question supplies --------------------------------------------
    def controls(self) -> list[widgets.Widget]:
        """The widgets the trainee answers with."""
        raise NotImplementedError

    def read(self) -> Any:
        """The answer in the controls; raises AnswerError with what to fix."""
        raise NotImplementedError

    def judge(self, answer: Any) -> CheckResult:
        """Whether `answer` is right, with a message that never contains the answer."""
        raise NotImplementedError

    def fill(self, answer: Any) -> None:
        """Put `answer` into the controls, as a trainee would."""
        raise NotImplementedError

    def right_answer(self) -> Any:
        """An answer that passes (for solutions and tests)."""
        raise NotImplementedError

    def wrong_answer(self) -> Any:
        """An answer that does not pass (for tests)."""
        raise NotImplementedError

    def leak_patterns(self) -> list[str]:
        """Regular expressions that find this question's answer written out in text."""
        return list(self._extra_leaks)

    # ---- checking -------------------------------------------------------------------------
    def answer_text(self) -> str:
        """The answer as the reveal shows it."""
        return self._answer()

    def press_check(self) -> CheckResult:
        """What pressing Check does: read, judge, show feedback; never raises."""
        try:
            answer = self.read()
        except AnswerError as problem:
            self._show(UNREADABLE, html.escape(str(problem)))
            return CheckResult(False, str(problem))
        result = self.judge(answer)
        self.result = result
        if result.passed:
            self._show(RIGHT, result.message)
            self.reveal_button.layout.display = "none"
        else:
            if repr(answer) != self._last_wrong:
                self.tries += 1
                self._last_wrong = repr(answer)
            tip = f" <b>Hint:</b> {self.hint}" if self.hint else ""
            self._show(WRONG, result.message + tip)
            if self.tries >= TRIES_BEFORE_REVEAL:
                self.reveal_button.layout.display = None
        record_attempt(self.key, result.passed)
        return result

    def reveal(self) -> None:
        """Show the answer (offered after two wrong tries)."""
        extra = f" {self.explanation}" if self.explanation else ""
        self._show(REVEALED, f"{html.escape(self.answer_text())}.{extra}")
        record_attempt(self.key, True)

    def solve(self, answer: Any = None) -> "Question":
        """For solution notebooks: answer, check, and stop if the worked answer fails."""
        self.fill(self.right_answer() if answer is None else answer)
        result = self.press_check()
        if not result.passed:
            raise AssertionError(f"The worked solution to {self.key} fails its check: {result.message}")
        self.feedback.value += (f"<p><b>Worked answer:</b> {html.escape(self.answer_text())}</p>")
        return self

    def _show(self, state: str, message: str) -> None:
        self.state = state
        for old in (RIGHT, WRONG, UNREADABLE, REVEALED, NOTED):
            self.feedback.remove_class(f"cyp-state-{old}")
        self.feedback.add_class(f"cyp-state-{state}")
        self.feedback.value = (f"<p style='border-left:4px solid {_COLOURS[state]};padding-left:8px'>"
                               f"<b style='color:{_COLOURS[state]}'>{_HEADINGS[state]}</b> {message}</p>")

    def _safely(self, action: Callable[[], Any]) -> None:
        try:
            action()
        except Exception as error:  # a button must never show a traceback to a trainee
            log.exception("exercise %s failed", self.key)
            self._show(UNREADABLE, "Something went wrong while checking this answer "
                                   f"({html.escape(type(error).__name__)}). Your answer is "
                                   "still in the box; please tell your trainer.")

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.box._repr_mimebundle_(**kwargs)


class NumberQuestion(Question):
    """A number typed as people write it (`2,280`, `15%`, `£19m`), within a tolerance of the truth.

    `truth` is computed from the model when first needed, never typed in. Pass `judge` to
    replace the tolerance check (e.g. "any number that clears the list").
    """

    def __init__(self, key: str, truth: Callable[[], float], *, unit: str = "",
                 kind: Kind = "number", tolerance: float = 0.05, decimals: int = 0,
                 hint: str = "", right: str = "", explanation: str = "",
                 judge: Callable[[float], CheckResult] | None = None, placeholder: str = "",
                 label: str = "Your answer:", leaks: Sequence[str] = ()):
        self.unit, self.kind, self.tolerance, self.decimals = unit, kind, tolerance, decimals
        self._truth, self._truth_value, self._custom_judge, self._right = truth, None, judge, right
        self._label, self._placeholder = label, placeholder or "type a number"
        super().__init__(key, hint=hint, explanation=explanation, leaks=leaks,
                         answer=lambda: format_value(self.truth(), kind, unit, decimals))

    def truth(self) -> float:
        """The right answer, computed once."""
        if self._truth_value is None:
            self._truth_value = float(self._truth())
        return self._truth_value

    def show(self, value: float) -> str:
        """`value` in this question's unit, as people write it."""
        return format_value(value, self.kind, self.unit, self.decimals)

    def controls(self) -> list[widgets.Widget]:
        self.box_text = widgets.Text(placeholder=self._placeholder,
                                     layout=widgets.Layout(width="160px"))
        self.box_text.add_class("cyp-number")
        unit_shown = {"percent": "%", "share": "(a share, e.g. 0.3 or 30%)",
                      "money_million": "£ million"}.get(self.kind, self.unit)
        return [widgets.HBox([widgets.Label(self._label), self.box_text,
                              widgets.Label(unit_shown)])]

    def read(self) -> float:
        return read_answer(self.box_text.value, self.unit, self.kind)

    def judge(self, answer: float) -> CheckResult:
        if self._custom_judge is not None:
            return self._custom_judge(answer)
        truth = self.truth()
        gap = abs(answer - truth) / max(abs(truth), 1e-9)
        if gap <= self.tolerance:
            message = self._right or f"{self.show(answer)} is right."
            return CheckResult(True, message.format(value=answer, truth=truth))
        if self.kind == "share" and abs(answer * 100 - truth) / max(abs(truth), 1e-9) <= self.tolerance:
            return CheckResult(False, "The % sign looks out of place: a share is typed as 0.3, "
                                      "or as 30% with the sign.")
        if self.kind == "percent" and 0 < abs(answer) <= 1 and abs(truth) > 1:
            return CheckResult(False, "That looks like a fraction. This answer is a percentage: "
                                      "type 50 or 50% for a half, not 0.5.")
        direction = "too high" if answer > truth else "too low"
        return CheckResult(False, f"{html.escape(self.show(answer))} is {direction}.")

    def fill(self, answer: Any) -> None:
        self.box_text.value = answer if isinstance(answer, str) else self._typed(float(answer))

    def _typed(self, value: float) -> str:
        if self.kind == "share":
            return f"{value * 100:.{max(self.decimals - 2, 1)}f}%"
        if self.kind == "percent":
            return f"{value:.{self.decimals}f}%"
        if self.kind == "year":
            return f"{value:.0f}"
        return f"{value:,.{max(self.decimals, 0)}f}" if abs(value) >= 1000 else f"{value:.{self.decimals}f}"

    def right_answer(self) -> str:
        return self._typed(self.truth())

    def wrong_answer(self) -> str:
        truth = self.truth()
        wrong = truth * 3 if truth else 10.0
        if self.kind == "share":
            wrong = min(truth * 2.5, 0.99) if truth < 0.4 else truth / 3
        return self._typed(wrong)

    def leak_patterns(self) -> list[str]:
        return number_patterns(self.truth(), self.kind, self.unit, self.decimals) + super().leak_patterns()


class PredictQuestion(NumberQuestion):
    """A prediction: any sensible number is accepted, then compared with the model."""

    def __init__(self, key: str, truth: Callable[[], float], *, unit: str, kind: Kind = "number",
                 decimals: int = 0, minimum: float | None = 0.0, maximum: float | None = None,
                 reflection: str = "", hint: str = ""):
        self.minimum, self.maximum, self.reflection = minimum, maximum, reflection
        super().__init__(key, truth, unit=unit, kind=kind, decimals=decimals, hint=hint,
                         label="Your prediction:", placeholder="your best guess",
                         judge=self._compare)
        self.check_button.description = "Compare with the model"
        self.check_button.layout.width = "auto"

    def _compare(self, guess: float) -> CheckResult:
        if self.minimum is not None and guess < self.minimum:
            return CheckResult(False, f"{html.escape(self.show(guess))} cannot happen here: the "
                                      f"answer cannot be below {html.escape(self.show(self.minimum))}.")
        if self.maximum is not None and guess > self.maximum:
            return CheckResult(False, f"{html.escape(self.show(guess))} cannot happen here: the "
                                      f"answer cannot be above {html.escape(self.show(self.maximum))}.")
        truth = self.truth()
        gap = abs(guess - truth) / max(abs(truth), 1e-9)
        verdict = ("Very close!" if gap <= 0.05 else "In the right area." if gap <= 0.15
                   else "Quite far off, which is normal: stocks are hard to predict by intuition.")
        return CheckResult(True, f"You predicted {html.escape(self.show(guess))}; the model gives "
                                 f"{html.escape(self.show(truth))}. {verdict} {self.reflection}".strip())

    def _show(self, state: str, message: str) -> None:
        super()._show(NOTED if state == RIGHT else state, message)

    def wrong_answer(self) -> str:
        return "-5" if self.minimum is not None and self.minimum >= 0 else "lots"


class ChoiceQuestion(Question):
    """Multiple choice: one radio button per option, each with its own reason when wrong."""

    def __init__(self, key: str, choices: Mapping[str, str], correct: str, *, praise: str,
                 reasons: Mapping[str, str], hint: str = "", explanation: str = "",
                 leaks: Sequence[str] = ()):
        self.choices, self.correct, self.praise, self.reasons = dict(choices), correct, praise, reasons
        super().__init__(key, hint=hint, explanation=explanation, leaks=leaks,
                         answer=lambda: f"{correct}: {self.choices[correct]}")

    def controls(self) -> list[widgets.Widget]:
        self.radio = widgets.RadioButtons(options=[(f"{k}: {v}", k) for k, v in self.choices.items()],
                                          value=None, layout=widgets.Layout(width="auto"))
        self.radio.add_class("cyp-choices")
        return [self.radio]

    def read(self) -> str:
        if self.radio.value is None:
            raise AnswerError("Choose one of the options first, then press Check.")
        return self.radio.value

    def judge(self, answer: str) -> CheckResult:
        if answer == self.correct:
            return CheckResult(True, self.praise)
        return CheckResult(False, f"{answer} is not the best answer: {self.reasons[answer]}")

    def fill(self, answer: Any) -> None:
        self.radio.value = answer

    def right_answer(self) -> str:
        return self.correct

    def wrong_answer(self) -> str:
        return next(letter for letter in self.choices if letter != self.correct)

    def leak_patterns(self) -> list[str]:
        first_sentence = re.split(r"(?<=[.!?])\s", self.praise)[0]
        return [re.escape(first_sentence)] + super().leak_patterns()


class MatchQuestion(Question):
    """Match each item to an option from a drop-down (matching, ordering, labelling)."""

    PLACEHOLDER = "choose…"

    def __init__(self, key: str, items: Mapping[str, str], options: Sequence[str],
                 solution: Mapping[str, str], *, hint: str = "", explanation: str = "",
                 praise: str = "All matched.", item_label: str = "", leaks: Sequence[str] = ()):
        self.items, self.options, self.solution = dict(items), list(options), dict(solution)
        self.praise, self.item_label = praise, item_label
        super().__init__(key, hint=hint, explanation=explanation, leaks=leaks,
                         answer=lambda: "; ".join(f"{self.items[k]} → {v}" for k, v in self.solution.items()))

    def controls(self) -> list[widgets.Widget]:
        self.dropdowns = {k: widgets.Dropdown(options=[self.PLACEHOLDER, *self.options],
                                              value=self.PLACEHOLDER,
                                              layout=widgets.Layout(width="240px"))
                          for k in self.items}
        rows = []
        for k, label in self.items.items():
            self.dropdowns[k].add_class(f"cyp-match-{k}")
            rows.append(widgets.HBox([widgets.HTML(f"<b>{html.escape(k)}</b>: {html.escape(label)}",
                                                   layout=widgets.Layout(width="420px")),
                                      self.dropdowns[k]]))
        return rows

    def read(self) -> dict[str, str]:
        chosen = {k: d.value for k, d in self.dropdowns.items()}
        missing = [k for k, v in chosen.items() if v == self.PLACEHOLDER]
        if len(missing) == len(chosen):
            raise AnswerError("Choose an option in each drop-down first, then press Check.")
        return chosen

    def judge(self, answer: Mapping[str, str]) -> CheckResult:
        right = [k for k, v in answer.items() if v == self.solution[k]]
        if len(right) == len(self.solution):
            return CheckResult(True, self.praise)
        unanswered = sum(v == self.PLACEHOLDER for v in answer.values())
        left = f" ({unanswered} still to choose)" if unanswered else ""
        return CheckResult(False, f"{len(right)} of {len(self.solution)} are right{left}. "
                                  "Look again at the ones you are least sure of.")

    def fill(self, answer: Mapping[str, str]) -> None:
        for k, v in answer.items():
            self.dropdowns[k].value = v

    def right_answer(self) -> dict[str, str]:
        return dict(self.solution)

    def wrong_answer(self) -> dict[str, str]:
        return {k: next(o for o in self.options if o != v) for k, v in self.solution.items()}
