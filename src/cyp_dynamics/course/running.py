"""Run a notebook in a fresh kernel, as the course's checks do, without missed wake-ups.

Under load, pyzmq's asyncio poll can miss the wake-up for a message that has already arrived,
and then only notices it when the whole timeout runs out: a cell the kernel answered in one
second was measured taking the full 60 (and a notebook of 60 cells, most of an hour). Waiting in
one-second slices, each ending with a fresh look at the socket, caps that cost at a second.
JupyterLab and nbval do not use this path; the notebook report and the answer leak test do.
"""

from __future__ import annotations

import time
from pathlib import Path
from queue import Empty
from typing import Any

import nbformat
from jupyter_core.utils import ensure_async
from nbclient import NotebookClient


def wait_in_slices(channel: Any, slice_s: float = 1.0) -> None:
    """Make `channel.get_msg(timeout)` wait in short slices instead of one long wait."""
    original = channel.get_msg

    async def get_msg(timeout: float | None = None, **kwargs: Any) -> Any:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = slice_s if deadline is None else max(0.0, min(slice_s, deadline - time.monotonic()))
            try:
                return await ensure_async(original(timeout=left, **kwargs))
            except Empty:
                if deadline is not None and time.monotonic() >= deadline:
                    raise

    channel.get_msg = get_msg


def sliced_client(notebook: nbformat.NotebookNode, folder: Path, timeout: int = 120,
                  store_widget_state: bool = False) -> NotebookClient:
    """An nbclient client for `notebook`, run in `folder`, whose channels wait in slices."""
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                            store_widget_state=store_widget_state,
                            resources={"metadata": {"path": str(folder)}})

    def slice_channels(**_: Any) -> None:
        wait_in_slices(client.kc.shell_channel)
        wait_in_slices(client.kc.iopub_channel)

    client.on_notebook_start = slice_channels
    return client


def execute_notebook(path: Path, timeout: int = 120,
                     store_widget_state: bool = False) -> nbformat.NotebookNode:
    """The notebook at `path`, executed top to bottom in its own folder (outputs kept)."""
    notebook = nbformat.read(path, as_version=4)
    sliced_client(notebook, path.parent, timeout, store_widget_state).execute()
    return notebook
