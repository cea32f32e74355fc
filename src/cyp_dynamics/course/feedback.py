"""Exercise feedback that encourages and never raises, so "Run All" never stops on an exercise."""

from __future__ import annotations

from numbers import Real
from typing import Any, Callable, Mapping

from ..analysis.checks import CheckResult

NOT_ANSWERED = "not answered"


def is_unanswered(answer: Any) -> bool:
    """True for the placeholders a trainee starts with: `...`, None, or a dictionary of them
    (an exercise that asks for several answers, e.g. {"A": ..., "B": ...})."""
    if isinstance(answer, dict):
        return all(is_unanswered(value) for value in answer.values())
    return answer is None or answer is Ellipsis


def show(text: str) -> None:
    """Show feedback as Markdown in a notebook, or as plain text elsewhere."""
    try:
        from IPython import get_ipython
        from IPython.display import Markdown, display

        if get_ipython() is not None:
            display(Markdown(text))
            return
    except ImportError:  # pragma: no cover - IPython comes with the course
        pass
    print(text)


def give_feedback(
    answer: Any,
    check: Callable[[Any], CheckResult],
    prompt: str,
    hint: str = "",
) -> CheckResult:
    """Check `answer` with `check` and show a friendly verdict; never raises.

    Unanswered (`...` or None): a prompt saying what to do. A check that fails: what the
    answer gave and a hint. An answer the check cannot use: what went wrong and a hint.
    """
    if is_unanswered(answer):
        show(f"✏️ **Not answered yet.** {prompt}")
        return CheckResult(False, NOT_ANSWERED)
    try:
        result = check(answer)
    except Exception as error:  # feedback must never stop "Run All"
        show(f"🤔 **That answer could not be checked:** {error} {hint}")
        return CheckResult(False, str(error))
    if result.passed:
        show(f"✅ **Well done.** {result.message}")
    else:
        show(f"🔁 **Not yet.** {result.message} {hint}".rstrip())
    return result


def assert_correct(result: CheckResult) -> None:
    """For solution notebooks: stop with the check's message if a worked answer is wrong."""
    if not result.passed:
        raise AssertionError(f"The worked solution fails its own check: {result.message}")


# ---- reading a trainee's answer (used inside checks; errors become friendly feedback) -------
def as_number(answer: Any, example: str = "25") -> float:
    """`answer` as a float; ValueError (shown as feedback) if it is not a number."""
    if isinstance(answer, bool) or not isinstance(answer, Real):
        raise ValueError(f"the answer should be a number, like {example}, not {answer!r}.")
    return float(answer)


def relative_gap(answer: float, truth: float) -> float:
    """How far `answer` is from `truth`, as a fraction of `truth` (0.05 means 5%)."""
    return abs(answer - truth) / max(abs(truth), 1e-9)


def as_choice(answer: Any, choices: Mapping[str, str]) -> str:
    """The letter a trainee chose ("b", " B " and "B: ..." all give "B"); ValueError if none."""
    letter = str(answer).strip().upper()[:1]
    if letter not in choices:
        raise ValueError(f"choose one of {', '.join(choices)} (you wrote {answer!r}).")
    return letter


def choice_feedback(answer: Any, choices: Mapping[str, str], correct: str, praise: str,
                    reasons: Mapping[str, str], verdict: str = "cannot be right") -> CheckResult:
    """Feedback on a multiple-choice answer: `praise` if right, else the chosen letter's reason."""

    def check(value: Any) -> CheckResult:
        letter = as_choice(value, choices)
        if letter == correct:
            return CheckResult(True, praise)
        return CheckResult(False, f"{letter} {verdict}: {reasons[letter]}")

    letters = ", ".join(f'"{letter}"' for letter in choices)
    return give_feedback(answer, check, f"Replace `...` with one of {letters}, then run the cell.")


def number_feedback(answer: Any, truth: Callable[[], float], tolerance: float, right: str,
                    wrong: str, prompt: str, hint: str = "", example: str = "25") -> CheckResult:
    """Feedback on a number that should be within `tolerance` (0.05 means 5%) of `truth()`.

    `right` and `wrong` are messages with `{value}` and `{truth}` placeholders, for example
    "About {truth:,.0f} children." `truth` is only computed once the trainee has answered.
    """

    def check(given: Any) -> CheckResult:
        value, expected = as_number(given, example), truth()
        passed = relative_gap(value, expected) <= tolerance
        return CheckResult(passed, (right if passed else wrong).format(value=value, truth=expected))

    return give_feedback(answer, check, prompt, hint=hint)
