"""Module 04's interactive tools (not marked): the policy explorer, exercise 5's transition-fund
tool, the policy picker, and the closing side-by-side table that fills in once exercise 4 is done.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

import ipywidgets as widgets
import pandas as pd
from IPython.display import display

from ...charts import MAX_LINES, alt
from ...charts.tables import Column, PeopleTable, people_table
from ...models import load_model
from ...widgets.explorer import VEGA_LITE_MIME
from ..exercises import after_solving
from .charts import fund_share_chart, policy_chart
from .policies import (ESCAPE_SHARE_PERCENT, FUND_POLICY, MILLION, MODEL, REBALANCED, TRANSITION,
                       fund_run, largest_fund_gbp_m, model_and_policies, policy_runs, policy_title)
from .tables import side_by_side_table, source_in_words


# ---- shown once an exercise is done ------------------------------------------------------------
def policies_side_by_side() -> widgets.VBox:
    """The closing table; its break-even column appears once exercise 4 is done."""
    return after_solving("04-ex4", side_by_side_table,
                         "The break-even year of each policy appears in this table once you "
                         "have answered exercise 4.")


# ---- tools (not marked) ------------------------------------------------------------------------
class _Lever:
    """One slider of the policy explorer: a model input shown in people's units."""

    def __init__(self, name: str, label: str, unit: str, scale: float = 1.0, short: str = ""):
        self.name, self.label, self.unit, self.scale = name, label, unit, scale
        self.short = short or label.lower()

    def words(self, value: float) -> str:
        shown = f"{value:g}"
        if self.unit == "£ million":
            return f"{self.short} £{shown} million"
        return f"{self.short} {shown}{'%' if self.unit.startswith('%') else ''}"


LEVERS = [
    _Lever("ring_fence_percent", "Ring-fence for prevention", "% of the budget", short="ring-fence"),
    _Lever("transition_fund", "Transition fund, spent over 3 years", "£ million", MILLION, "fund"),
    _Lever("budget_change_percent", "Lasting budget change from year 1", "% (minus is a cut)",
           short="budget change"),
    _Lever("need_growth_percent_per_year", "Growth in need", "% a year", short="need growth"),
    _Lever("family_early_help_weight", "Family early help weight",
           "(community prevention 0.3, school support 0.2)", short="family early help weight"),
]


class _Tool:
    """A tool shown as its `widget`, drawing its charts into `widgets.Output` areas."""

    widget: widgets.Widget

    @staticmethod
    def draw(area: widgets.Output, chart: alt.TopLevelMixin, title: str) -> None:
        """Replace what `area` shows with `chart` (drawn by JupyterLab's own Vega-Lite renderer)."""
        with area:
            area.clear_output(wait=True)
            display({VEGA_LITE_MIME: chart.to_dict(), "text/plain": f"<{title} chart>"}, raw=True)

    def _ipython_display_(self) -> None:
        display(self.widget)


class PolicyExplorer(_Tool):
    """Sliders for the policy levers (money in £ million) beside the three outcome panels."""

    TITLE = "Prevention and late intervention for 100,000 children and young people"

    def __init__(self) -> None:
        self.model, self.max_lines = load_model(MODEL), MAX_LINES
        table = self.model.parameters
        self.defaults = {lever.name: float(table.loc[lever.name, "default"]) / lever.scale
                         for lever in LEVERS}
        self.sliders: dict[str, widgets.FloatSlider] = {}
        rows = []
        for lever in LEVERS:
            row = table.loc[lever.name]
            step = float(row["step"]) / lever.scale if pd.notna(row["step"]) else 1.0
            slider = widgets.FloatSlider(
                value=self.defaults[lever.name], min=float(row["min"]) / lever.scale,
                max=float(row["max"]) / lever.scale, step=step, continuous_update=False,
                readout_format=",.2f" if step < 0.1 else ",.1f" if step < 1 else ",.0f",
                layout=widgets.Layout(width="260px"))
            slider.observe(lambda _: self.update(), names="value")
            self.sliders[lever.name] = slider
            tip = html.escape(f"{row['description']} Source: {source_in_words(row['source'])}",
                              quote=True)
            rows.append(widgets.HBox([
                widgets.HTML(f'<span title="{tip}">{html.escape(lever.label)}</span>',
                             layout=widgets.Layout(width="220px")),
                slider, widgets.Label(lever.unit)], layout=widgets.Layout(align_items="center")))
        self.kept: dict[str, pd.DataFrame] = {}
        self.runs_kept = 0  # numbers kept runs, so a label is never reused after one is dropped
        self.status, self.chart = widgets.HTML(), widgets.Output(layout=widgets.Layout(min_height="260px"))
        buttons = [widgets.Button(description=text, tooltip=tip) for text, tip in (
            ("Keep this run", "Leave this run on the chart to compare with the next"),
            ("Reset", "Put every slider back to its default"),
            ("Clear kept runs", "Remove the runs you kept"))]
        for button, action in zip(buttons, (self.keep, self.reset, self.clear)):
            button.on_click(lambda _, act=action: act())
        self.widget = widgets.VBox([widgets.HTML(f"<b>{self.TITLE}</b>"), *rows,
                                    widgets.HBox(buttons), self.status, self.chart])
        self.results = pd.DataFrame()
        self.update()

    @property
    def params(self) -> dict[str, float]:
        """The slider values as model inputs (pounds, not millions)."""
        return {lever.name: self.sliders[lever.name].value * lever.scale for lever in LEVERS}

    def label(self) -> str:
        """What differs from the defaults, in words: 'ring-fence 26%, fund £15 million'."""
        changed = [lever.words(self.sliders[lever.name].value) for lever in LEVERS
                   if abs(self.sliders[lever.name].value - self.defaults[lever.name]) > 1e-9]
        return ", ".join(changed) if changed else "defaults"

    def update(self) -> None:
        try:
            self.results = self.model.run(self.params)
        except ValueError as error:
            self.status.value = f"<span style='color:#D55E00'>Could not run: {html.escape(str(error))}</span>"
            return
        self.status.value = ""
        self.redraw()

    def keep(self) -> None:
        if len(self.kept) >= self.max_lines - 1:
            dropped = next(iter(self.kept))
            del self.kept[dropped]
            self.status.value = f"At most {self.max_lines - 1} kept runs: “{html.escape(dropped)}” was removed."
        self.runs_kept += 1
        self.kept[f"Run {self.runs_kept}: {self.label()}"] = self.results
        self.redraw()

    def reset(self) -> None:
        for name, slider in self.sliders.items():
            slider.value = self.defaults[name]
        self.update()

    def clear(self) -> None:
        self.kept.clear()
        self.runs_kept = 0
        self.redraw()

    def redraw(self) -> None:
        chart = policy_chart({**self.kept, f"Now: {self.label()}": self.results}, self.TITLE,
                             "Move a slider to re-run; 'Keep this run' to compare.")
        self.draw(self.chart, chart, self.TITLE)


def explore_policies() -> PolicyExplorer:
    """The module's explorer: ring-fence, fund (£ million), budget change, need growth, mix."""
    return PolicyExplorer()


class FundTool(_Tool):
    """Exercise 5's search tool: one fund slider (£ million) and what it leaves prevention after
    30 years. It never states which fund is the smallest that escapes."""

    def __init__(self, start_gbp_m: int = 10) -> None:
        self.model = load_model(MODEL)
        self.slider = widgets.IntSlider(value=start_gbp_m, min=0, max=largest_fund_gbp_m(), step=1,
                                        continuous_update=False, layout=widgets.Layout(width="360px"))
        self.slider.observe(lambda _: self.update(), names="value")
        self.sentence, self.chart = widgets.HTML(), widgets.Output(layout=widgets.Layout(min_height="220px"))
        self.none_run = self.model.run(TRANSITION)
        self.widget = widgets.VBox([
            widgets.HTML("<b>Transition fund tool</b>: choose a fund, spent on prevention over "
                         "the first three years."),
            widgets.HBox([widgets.Label("Transition fund"), self.slider, widgets.Label("£ million")]),
            self.sentence, self.chart])
        self.update()

    def update(self) -> None:
        fund = self.slider.value
        run = fund_run(fund)
        share = float(run.prevention_share_of_budget.iloc[-1])
        verdict = ("it has escaped the cycle (20% or more)." if share >= ESCAPE_SHARE_PERCENT
                   else "the cycle still wins (below 20%).")
        self.sentence.value = (f"With a fund of <b>£{fund} million</b>, prevention has "
                               f"<b>{share:.1f}%</b> of the budget after 30 years: {verdict}")
        self.draw(self.chart, fund_share_chart(self.none_run, run, fund), "Transition fund tool")


def fund_tool() -> FundTool:
    """Exercise 5's tool: try a fund and see prevention's share after 30 years."""
    return FundTool()


class PolicyPicker(_Tool):
    """Tick up to four policies; the chart and a table of values after 10 and 30 years follow."""

    TITLE = "Compare policies"

    def __init__(self, ticked: Iterable[str] = ("base", "ring_fence_today", FUND_POLICY, REBALANCED)):
        _, scenarios = model_and_policies()
        self.max_lines, self.runs, ticked = MAX_LINES, policy_runs(), set(ticked)
        self.boxes = {policy_title(name): widgets.Checkbox(
            value=name in ticked, description=policy_title(name), indent=False,
            layout=widgets.Layout(width="auto")) for name in scenarios.names}
        for box in self.boxes.values():
            box.observe(self._on_tick, names="value")
        self.status, self.chart, self.table = widgets.HTML(), widgets.Output(), widgets.Output()
        self.widget = widgets.VBox([
            widgets.HTML(f"<b>{self.TITLE}</b>: tick up to {MAX_LINES} policies."),
            widgets.VBox(list(self.boxes.values())), self.status, self.chart, self.table])
        self.redraw()

    @property
    def chosen(self) -> dict[str, pd.DataFrame]:
        return {title: self.runs[title] for title, box in self.boxes.items() if box.value}

    def _on_tick(self, change: dict[str, Any]) -> None:
        if change["new"] and len(self.chosen) > self.max_lines:
            change["owner"].value = False  # untick: at most four lines a chart
            self.status.value = (f"<i>At most {self.max_lines} policies at once, so the lines stay "
                                 "readable: untick one first.</i>")
            return
        self.status.value = ""
        self.redraw()

    def value_table(self) -> PeopleTable:
        rows = [{"policy": title,
                 "late_10": run.children_in_late_intervention.loc[10],
                 "late_30": run.children_in_late_intervention.iloc[-1],
                 "share_30": run.prevention_share_of_budget.iloc[-1],
                 "over_30": run.late_need_over_budget.iloc[-1] / MILLION}
                for title, run in self.chosen.items()]
        return people_table(pd.DataFrame(rows), {
            "policy": Column("Policy", "text"),
            "late_10": Column("Children in late intervention after 10 years", 0),
            "late_30": Column("Children in late intervention after 30 years", 0),
            "share_30": Column("Prevention's share after 30 years (%)", 1),
            "over_30": Column("Late need over budget after 30 years (£ million a year)", 1)})

    def redraw(self) -> None:
        chosen = self.chosen
        if chosen:
            self.draw(self.chart, policy_chart(chosen, "Policies: children and money",
                                               "30 years, need rising 0.5% a year"), self.TITLE)
        else:
            with self.chart:
                self.chart.clear_output(wait=True)
                display(widgets.HTML("<i>Tick at least one policy to draw it.</i>"))
        with self.table:
            self.table.clear_output(wait=True)
            if chosen:
                display(self.value_table())


def compare_policies() -> PolicyPicker:
    """Tick up to four of the policies to compare them on a chart and in a table."""
    return PolicyPicker()
