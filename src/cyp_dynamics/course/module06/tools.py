"""Module 06's tool (not marked): choose a number of funded posts and see in how many plausible
worlds the service ends in the good state. It never raises and never shows exercise 7's answer."""

from __future__ import annotations

import html

import ipywidgets as widgets
from IPython.display import display

from ...models import load_model
from .inputs import CAMHS
from .runs import TIPPING_WORLDS, good_state_share, todays_posts


class PostsTool:
    """A slider of funded posts per 100,000 and a sentence: the share of worlds in the good state."""

    def __init__(self) -> None:
        top = int(load_model(CAMHS).parameters.loc["funded_posts_per_100k", "max"])
        self.slider = widgets.IntSlider(value=todays_posts(), min=todays_posts(), max=top, step=1,
                                        description="Funded posts", continuous_update=False,
                                        style={"description_width": "initial"},
                                        layout=widgets.Layout(width="520px"))
        self.slider.add_class("cyp-tool-posts")
        self.sentence = widgets.HTML()
        self.tries: dict[int, float] = {}
        self.tries_text = widgets.HTML()
        self.slider.observe(lambda _: self.run(), names="value")
        self.widget = widgets.VBox([
            widgets.HTML("<b>Try a number of funded posts</b> (per 100,000 children, already in "
                         f"post): the service starts from today's mix of cases and runs for 20 years "
                         f"in each of {TIPPING_WORLDS:,} plausible worlds. Drag the slider, or click it and use the "
                         "arrow keys for one post at a time."),
            self.slider, self.sentence, self.tries_text])
        self.widget.add_class("cyp-tool")
        self.run()

    def run(self) -> None:
        """Run the worlds for the slider's value and say how many end in the good state."""
        try:
            posts = int(self.slider.value)
            share = good_state_share(posts)
            self.tries[posts] = share
            count = round(share * TIPPING_WORLDS)
            self.sentence.value = (f"<p>With <b>{posts}</b> funded posts, <b>{count:,} of "
                                   f"{TIPPING_WORLDS:,}</b> worlds ({share * 100:.0f}%) end in the good "
                                   "state: a short list, mostly children with mild need.</p>")
            tried = "; ".join(f"{p} → {s * 100:.0f}%" for p, s in sorted(self.tries.items())[-8:])
            self.tries_text.value = f"<p><small>Your tries so far: {html.escape(tried)}</small></p>"
        except Exception as error:  # a tool must never show a traceback to a trainee
            self.sentence.value = (f"<p>Something went wrong ({html.escape(type(error).__name__)}); "
                                   "please tell your trainer.</p>")

    def _ipython_display_(self) -> None:
        display(self.widget)


def posts_tool() -> PostsTool:
    """Exercise 7's tool: move the slider and see the share of worlds in the good state."""
    return PostsTool()
