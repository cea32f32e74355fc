"""Progress a trainee can see, and reflections that are kept.

Exercises report to a board per module ("02" for keys like "02-ex3"): the board shows
"3 of 5 exercises done" and updates as exercises are answered. Reflections are written to a
notes file as they are typed (never marked), so a restarted kernel loses nothing.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import ipywidgets as widgets


class ProgressBoard:
    """Exercises done in one module, shown as a bar and a sentence."""

    def __init__(self, module: str, keys: list[str]):
        self.module, self.keys, self.done = module, list(keys), set()
        self.bar = widgets.IntProgress(value=0, min=0, max=max(len(self.keys), 1),
                                       layout=widgets.Layout(width="240px"))
        self.label = widgets.HTML()
        self.widget = widgets.HBox([widgets.HTML("<b>Your progress:</b>&nbsp;"), self.bar, self.label])
        self.widget.add_class("cyp-progress")
        self._update()

    def mark(self, key: str) -> None:
        if key in self.keys:
            self.done.add(key)
            self._update()

    def _update(self) -> None:
        self.bar.value = len(self.done)
        self.label.value = (f"&nbsp;{len(self.done)} of {len(self.keys)} exercises done"
                            + (" — all done!" if self.keys and len(self.done) == len(self.keys) else ""))

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


_BOARDS: dict[str, ProgressBoard] = {}


def progress_board(module: str, keys: list[str]) -> ProgressBoard:
    """The board for `module` (one per kernel, so it can be shown at the top and the bottom)."""
    board = _BOARDS.get(module)
    if board is None or board.keys != list(keys):
        board = _BOARDS[module] = ProgressBoard(module, keys)
    return board


def record_attempt(key: str, done: bool) -> None:
    """Tell the key's module board that an exercise was answered (right, or answer shown)."""
    board = _BOARDS.get(key.split("-")[0])
    if board is not None and done:
        board.mark(key)


# ---- reflections ---------------------------------------------------------------------------
def notes_file() -> Path:
    """Where reflections are kept: $CYP_DYNAMICS_NOTES, else ~/cyp-dynamics-notes.json."""
    configured = os.environ.get("CYP_DYNAMICS_NOTES")
    return Path(configured) if configured else Path.home() / "cyp-dynamics-notes.json"


def read_notes() -> dict[str, str]:
    """Every kept reflection by key; an unreadable notes file reads as none (and is not touched)."""
    try:
        notes = json.loads(notes_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in notes.items()} if isinstance(notes, dict) else {}


def save_note(key: str, text: str) -> Path:
    """Keep `text` under `key`, writing the notes file atomically."""
    path = notes_file()
    notes = read_notes()
    notes[key] = text
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".notes-", suffix=".json")
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        json.dump(notes, stream, indent=1, ensure_ascii=False)
    os.replace(temporary, path)
    return path


class Reflection:
    """A free-text box for a reflection: kept in the notes file, never marked."""

    def __init__(self, key: str, prompt: str, rows: int = 4):
        self.key = key
        self.text = widgets.Textarea(value=read_notes().get(key, ""), placeholder="Your thoughts…",
                                     rows=rows, continuous_update=False,
                                     layout=widgets.Layout(width="100%", max_width="720px"))
        self.text.add_class("cyp-reflection-text")
        self.status = widgets.HTML(self._status_text())
        self.status.add_class("cyp-reflection-status")
        self.text.observe(self._keep, names="value")
        self.widget = widgets.VBox([widgets.HTML(f"<b>Reflect.</b> {prompt}"), self.text, self.status])
        self.widget.add_class("cyp-reflection")
        self.widget.add_class(f"cyp-q-{key}")

    def _status_text(self) -> str:
        return ("<i>Kept in your notes file; not marked. Click outside the box to save.</i>"
                if not self.text.value else f"<i>Saved to {notes_file().name}.</i>")

    def _keep(self, change) -> None:
        try:
            save_note(self.key, change["new"])
            self.status.value = f"<i>Saved to {notes_file().name}; not marked.</i>"
            record_attempt(self.key, bool(change["new"].strip()))
        except OSError as error:
            self.status.value = (f"<i>Could not save your notes ({error.strerror}); copy your "
                                 "text somewhere safe before closing.</i>")

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)
