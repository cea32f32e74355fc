"""The README's first command opens the course, also as root and on a machine with no screen."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
@pytest.mark.skipif(not (REPO / ".venv" / ".installed").exists(),
                    reason="needs the course environment that 'make setup' builds in .venv")
def test_make_lab_reaches_the_start_page(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"))
    lab = subprocess.Popen(["make", "--no-print-directory", "lab", f"PORT={port}"], cwd=REPO, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           start_new_session=True)
    seen: list[str] = []
    try:
        deadline = time.monotonic() + 120
        url = None
        while time.monotonic() < deadline and url is None:
            line = lab.stdout.readline()
            if not line:
                if lab.poll() is not None:
                    break
                continue
            seen.append(line)
            found = re.search(rf"http://127\.0\.0\.1:{port}/lab\?token=\w+", line)
            url = found.group(0) if found else None
        assert url, "make lab printed no address to open:\n" + "".join(seen[-30:])
        if os.geteuid() == 0:
            assert any("--allow-root" in line for line in seen)
        assert any("No screen here" in line for line in seen)
        for _ in range(60):  # the address is printed a moment before the server answers
            try:
                with urllib.request.urlopen(url, timeout=30) as page:
                    body = page.read().decode("utf-8", "replace")
                break
            except OSError:
                time.sleep(0.5)
        else:
            raise AssertionError("JupyterLab never answered at " + url + "\n" + "".join(seen[-30:]))
        assert page.status == 200 and "JupyterLab" in body
    finally:
        os.killpg(lab.pid, signal.SIGTERM)
        try:
            lab.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(lab.pid, signal.SIGKILL)
