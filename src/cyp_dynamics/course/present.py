"""Present mode: a module's explorer shown to a room as a clean app (Voilà), offline, no code.

    make present MODULE=02          # or: python -m cyp_dynamics.course.present 02
    make present MODULE=simulator   # the CAMHS flight simulator, played by the whole room

opens course/present/02-*.ipynb in Voilà: code hidden, large type for a projector, the same
explorer trainees use. On Binder, add `?urlpath=voila/render/course/present/02-waiting-list.ipynb`
to the course's Binder address. Charts carry a PNG copy under Voilà (charts/display.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

from IPython.display import HTML, display

ROOT = Path(__file__).resolve().parents[3]
FOLDER = ROOT / "course" / "present"

# Larger type everywhere for a projector, and room for the explorer's sliders and chart.
PROJECTOR_CSS = """
<style>
body, .jp-RenderedHTMLCommon, .widget-label, .widget-readout, .jupyter-widgets, .widget-html-content,
.widget-button, button.jupyter-button { font-size: 20px !important; }
.widget-html-content h2, .jp-RenderedHTMLCommon h1 { font-size: 34px !important; }
.widget-slider .noUi-handle { transform: scale(1.4); }
.widget-button, button.jupyter-button { width: auto !important; min-width: 180px; padding: 0 14px; }
.jupyter-widgets.widget-slider { min-width: 520px; }
.widget-label { min-width: 320px !important; }
.vega-embed { transform-origin: top left; }
#rendered_cells { max-width: 1400px; margin: auto; }
</style>
"""


def _module02() -> Any:
    from .. import explore, load_model
    return explore(load_model("camhs_waiting_list"),
                   parameters=["clinicians", "referrals_accepted_per_month", "closure_rate",
                               "clinicians_on_leave"],
                   outputs=["waiting_list", "average_wait_in_weeks"],
                   title="CAMHS waiting list for 100,000 children and young people")


def _module03() -> Any:
    from .. import explore, load_model
    return explore(load_model("camhs_system"),
                   parameters=["extra_funded_posts_per_100k", "deterioration_rate",
                               "early_help_deterioration_cut_percent", "attrition_rate",
                               "temporary_capacity_percent"],
                   outputs=["waiting_list", "severe_share_of_waiting_list", "clinicians"],
                   months=120, title="CAMHS system: need, waiting lists, treatment and staff")


def _module04() -> Any:
    from .module04 import explore_policies
    return explore_policies()


def _module05() -> Any:
    from .module05 import explore
    return explore()


def _simulator() -> Any:
    from ..widgets.simulator import simulator
    return simulator("The room")


PRESENTATIONS: dict[str, tuple[str, Callable[[], Any]]] = {
    "02": ("02-waiting-list.ipynb", _module02),
    "03": ("03-camhs-system.ipynb", _module03),
    "04": ("04-prevention-policies.ipynb", _module04),
    "05": ("05-child-poverty.ipynb", _module05),
    "simulator": ("simulator.ipynb", _simulator),
}


def present(module: str) -> Any:
    """Show `module`'s explorer for a projector (call it in a present-mode notebook)."""
    module = module if module == "simulator" else module.zfill(2)
    if module not in PRESENTATIONS:
        raise ValueError(f"No present mode for module {module!r}: choose one of "
                         f"{', '.join(PRESENTATIONS)}.")
    display(HTML(PROJECTOR_CSS))
    widget = PRESENTATIONS[module][1]()
    return widget


def voila_command(module: str, port: int = 8866, open_browser: bool | None = None) -> list[str]:
    """The command that serves `module`'s present-mode notebook with Voilà on this machine only."""
    module = module if module == "simulator" else module.zfill(2)
    if module not in PRESENTATIONS:
        raise SystemExit(f"No present mode for module {module!r}: choose one of "
                         f"{', '.join(PRESENTATIONS)} (e.g. make present MODULE=02).")
    voila = shutil.which("voila", path=str(Path(sys.executable).parent)) or "voila"
    if open_browser is None:
        open_browser = not (sys.platform.startswith("linux")
                            and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")))
    command = [voila, str(FOLDER / PRESENTATIONS[module][0]), f"--port={port}", "--Voila.ip=127.0.0.1",
               "--theme=light", "--show_tracebacks=False", "--strip_sources=True",
               "--template=cyp-present"]
    return command + ([] if open_browser else ["--no-browser"])


def present_environment() -> dict[str, str]:
    """The environment Voilà runs in: present mode on, and the course's template findable."""
    paths = [str(FOLDER / "jupyter"), os.environ.get("JUPYTER_PATH", "")]
    return {**os.environ, "CYP_DYNAMICS_PRESENT": "1",
            "JUPYTER_PATH": os.pathsep.join(p for p in paths if p)}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    module = argv[0] if argv else "02"
    port = int(argv[1]) if len(argv) > 1 else 8866
    command = voila_command(module, port)
    print(f"Present mode for {module}: http://127.0.0.1:{port}/ "
          "(press Ctrl+C here to stop)")
    return subprocess.call(command, env=present_environment())


if __name__ == "__main__":
    sys.exit(main())
