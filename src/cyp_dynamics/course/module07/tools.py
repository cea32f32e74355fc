"""Module 07's tools: pick a question, upload a local CSV, see the voice inputs, write the brief.

None is marked and none raises: every problem becomes a message saying what to fix.
"""

from __future__ import annotations

import html
import logging
import tempfile
from pathlib import Path
from typing import Any

import ipywidgets as widgets
from IPython.display import display

from ...charts.tables import Column, people_table
from ...charts.words import name_in_words
from ...data.local import LocalDataError
from ...data.local_series import (
    fit_to_series,
    model_link,
    read_local_series,
    starting_point,
)
from ...models import load_model
from ..brief import write_brief
from . import worked

log = logging.getLogger(__name__)

QUESTIONS = {
    "camhs_waiting_list": ("CAMHS waiting list (module 02)",
                           "How many clinicians would bring our waiting list down, and how fast?"),
    "camhs_system": ("CAMHS system with feedback and delays (module 03)",
                     "Why does our list resist fixes, and what happens if staff burn out?"),
    "prevention_vs_late_intervention": ("Prevention versus late intervention (module 04)",
                                        "Does spending on prevention now pay back later, and when?"),
    "child_poverty_and_health": ("Child poverty and health (module 05)",
                                 "What would income measures do for child poverty and young "
                                 "people's health in our place?"),
}
UPLOAD_MODELS = {"Monthly waiting list (children waiting)": "camhs_waiting_list",
                 "Yearly child poverty share (%)": "child_poverty_and_health"}


def _message(kind: str, text: str) -> str:
    colour = {"good": "#007A4D", "fix": "#B35900", "note": "#0072B2"}[kind]
    return (f"<p style='border-left:4px solid {colour};padding-left:8px;max-width:720px'>"
            f"{text}</p>")


def question_picker() -> widgets.VBox:
    """A drop-down of the course models, each with the question it answers."""
    picker = widgets.Dropdown(options=[(label, name) for name, (label, _) in QUESTIONS.items()],
                              value=worked.MODEL, description="Model:",
                              layout=widgets.Layout(width="520px"))
    said = widgets.HTML()

    def show(*_: Any) -> None:
        _, question = QUESTIONS[picker.value]
        extra = ("" if picker.value == worked.MODEL else
                 " The worked example on this page uses the child poverty model; the steps are "
                 "the same for this one.")
        said.value = _message("note", f"<b>The question it answers:</b> {html.escape(question)}{extra}")

    picker.observe(show, names="value")
    show()
    box = widgets.VBox([picker, said])
    box.add_class("cyp-question-picker")
    return box


class UploadTool:
    """Upload a CSV (a column of months or years and a column of values); see it checked."""

    def __init__(self) -> None:
        self.upload = widgets.FileUpload(accept=".csv", multiple=False, description="Choose a CSV")
        self.upload.add_class("cyp-upload")
        self.kind = widgets.Dropdown(options=list(UPLOAD_MODELS), description="It holds:",
                                     layout=widgets.Layout(width="420px"))
        self.message = widgets.HTML(_message("note", "No file yet: choose a CSV to check it."))
        self.message.add_class("cyp-upload-message")
        self.table = widgets.Output()
        self.series, self.start, self.fit = None, {}, None
        self.folder = Path(tempfile.mkdtemp(prefix="cyp_upload_"))
        self.upload.observe(lambda _: self._safely(self.check), names="value")
        self.kind.observe(lambda _: self._safely(self.check), names="value")
        self.widget = widgets.VBox([widgets.HBox([self.upload, self.kind]), self.message, self.table])

    def _safely(self, action) -> None:
        try:
            action()
        except Exception as error:  # a tool must never show a traceback
            log.exception("upload check failed")
            self.message.value = _message("fix", "Something went wrong while reading that file "
                                          f"({html.escape(type(error).__name__)}). Nothing was changed; "
                                          "try saving it again as 'CSV UTF-8'.")

    def check_file(self, path: Path) -> None:
        """Check a CSV on disk (the upload calls this with its saved copy)."""
        model_name = UPLOAD_MODELS[self.kind.value]
        with self.table:
            self.table.clear_output()
        try:
            series = read_local_series(path)
            model = load_model(model_name)
            link = model_link(model_name, worked.SLOT)
            if series.step != link.step:
                raise LocalDataError(f"This file is {series.step} by {series.step}, but "
                                     f"'{self.kind.value}' needs {link.what}. Choose the other kind "
                                     "above, or check the dates.")
            start = starting_point(model, series, worked.SLOT)
            fit = fit_to_series(model, series, fixed=start, place=worked.SLOT)
        except (LocalDataError, ValueError, TypeError, KeyError) as problem:
            self.message.value = _message("fix", f"<b>Not used yet.</b> {html.escape(str(problem))}")
            return
        self.series, self.start, self.fit = series, start, fit
        notes = "".join(f"<br>{html.escape(w)}" for w in series.warnings)
        fitted = "; ".join(f"{k.replace('_', ' ')} = {v:.3g}" for k, v in fit.parameters.items())
        self.message.value = _message(
            "good", f"<b>Read {len(series.values.dropna())} {series.step}s of "
                    f"'{html.escape(name_in_words(series.name))}'.</b> The model now starts at the first value "
                    f"({html.escape(', '.join(f'{k.replace(chr(95), chr(32))} = {v:,.4g}' for k, v in start.items()))})."
                    f" {html.escape(fit.message)}{(' ' + html.escape(fitted)) if fitted else ''}{notes}")
        known = series.values.dropna()
        decimals = 0 if (known == known.round()).all() else 1
        with self.table:
            display(people_table(series.table(), {"period": Column("Period", "text"),
                                                  "value": Column(name_in_words(series.name) or "Value", decimals)}))

    def check(self) -> None:
        files = self.upload.value
        if not files:
            return
        item = files[0] if isinstance(files, (list, tuple)) else next(iter(files.values()))
        name = Path(str(item.get("name", "upload.csv"))).name or "upload.csv"
        path = self.folder / name
        path.write_bytes(bytes(item["content"]))
        self.check_file(path)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


def upload_tool() -> UploadTool:
    """The upload widget: choose a CSV, see what to fix or how it sets the model."""
    return UploadTool()


class BriefButton:
    """A button that writes the worked example's brief next to the notebook and links to it."""

    def __init__(self, folder: str | Path = ".", stem: str = "brief_cheshire_and_merseyside",
                 upload: UploadTool | None = None):
        self.folder, self.stem, self.upload = Path(folder), stem, upload
        self.button = widgets.Button(description="Write the brief", button_style="primary",
                                     layout=widgets.Layout(width="200px"))
        self.button.add_class("cyp-write-brief")
        self.said = widgets.HTML()
        self.said.add_class("cyp-brief-link")
        self.button.on_click(lambda _: self.write())
        self.widget = widgets.VBox([self.button, self.said])
        self.path: Path | None = None
        self.own_path: Path | None = None

    def write(self) -> Path | None:
        self.said.value = _message("note", "Writing the brief (a few seconds)…")
        try:
            self.path = write_brief(worked.worked_inputs(), self.folder, self.stem)
        except Exception as error:  # a button must never show a traceback
            log.exception("brief failed")
            self.said.value = _message("fix", "The brief could not be written "
                                       f"({html.escape(type(error).__name__)}: {html.escape(str(error))}).")
            return None
        own = ""
        if self.upload is not None and self.upload.series is not None:
            try:
                tool = self.upload
                inputs = worked.inputs_from_upload(tool.series, UPLOAD_MODELS[tool.kind.value],
                                                   tool.start, tool.fit.parameters, tool.fit.message)
                self.own_path = write_brief(inputs, self.folder, "brief_your_data")
                link = html.escape(self.own_path.name)
                own = (f" <b>Your uploaded data</b> are in a draft brief of their own: "
                       f"<a href='{link}' target='_blank' style='color:#0072B2;"
                       f"text-decoration:underline'>{link}</a>.")
            except Exception as error:  # the worked brief is written; say what went wrong with yours
                log.exception("own brief failed")
                own = (f" The draft brief from your upload could not be written "
                       f"({html.escape(type(error).__name__)}).")
        name = html.escape(self.path.name)
        self.said.value = _message(
            "good", f"<b>Written.</b> <a href='{name}' target='_blank' style='color:#0072B2;"
                    f"text-decoration:underline'>Open {name}</a> (it opens in JupyterLab; "
                    f"right-click the file in the file browser and choose <i>Open in New "
                    f"Browser Tab</i> to see it as a web page). Its inputs are saved beside it as "
                    f"{html.escape(self.stem)}_inputs.json, so it can be rebuilt.{own}")
        return self.path

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


def brief_button(folder: str | Path = ".", upload: UploadTool | None = None) -> BriefButton:
    """The brief button; with the upload tool, it also writes a draft brief from the upload."""
    return BriefButton(folder, upload=upload)
