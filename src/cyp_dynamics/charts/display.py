"""How charts reach the screen: the Vega-Lite v5 spec for JupyterLab's own (offline) renderer,
plus, in present mode (Voilà), a PNG copy drawn offline by vl-convert.

Voilà's bundled renderer saves a PNG copy of each chart onto its output, which Voilà's page
cannot hold ("e.setData is not a function"); it skips that step when the output already carries
a PNG. So under Voilà every chart arrives with its PNG, and the error never appears.
"""

from __future__ import annotations

import base64
import os
from typing import Any

import altair as alt

VEGALITE_MIME = "application/vnd.vegalite.v5+json"
VEGALITE_VERSION = "5.20"  # the Vega-Lite release vl-convert draws with, matching altair 5


def presenting() -> bool:
    """True inside Voilà (it sets VOILA_KERNEL_ID) or when present mode was started."""
    return bool(os.environ.get("VOILA_KERNEL_ID") or os.environ.get("CYP_DYNAMICS_PRESENT"))


def png_copy(spec: dict) -> str | None:
    """The chart as a base64 PNG, drawn offline; None when vl-convert is not installed."""
    try:
        import vl_convert
    except ImportError:
        return None
    return base64.b64encode(vl_convert.vegalite_to_png(spec, vl_version=VEGALITE_VERSION)).decode()


def course_renderer(spec: dict, **metadata: Any) -> dict:
    """The mime bundle for one chart (registered with altair as the 'cyp' renderer)."""
    bundle: dict[str, Any] = {VEGALITE_MIME: spec,
                              "text/plain": spec.get("description") or "A chart."}
    if presenting():
        png = png_copy(spec)
        if png:
            bundle["image/png"] = png
    return bundle


alt.renderers.register("cyp", course_renderer)
alt.renderers.enable("cyp")
