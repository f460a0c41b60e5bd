"""Building blocks for the analyst notebook: comparison plots, a stance slider, exports.

The stance slider moves a stance through :func:`explorer.model.transforms.with_stance`.

Plots here are plain ``go.Figure`` objects (rendered by JupyterLab's plotly
extension, no ~5 MB plotly.js per figure); the stance explorer redraws into an
``Output`` widget when a slider moves.
"""

from __future__ import annotations

from pathlib import Path

import ipywidgets as w
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explorer.analysis.analysis import Analysis, analyze
from explorer.analysis.compare import compare
from explorer.app.figures.layout import wrap
from explorer.app.palette import BASELINE, CURRENT
from explorer.model.scenario import Scenario
from explorer.model.transforms import with_stance


def comparison_figure(a: Analysis, b: Analysis, label_a: str = "A", label_b: str = "B") -> go.Figure:
    """What changed from A to B: red-line gap per issue, and each issue's compromise."""
    table = compare(a, b)
    names = [wrap(n, 26) for n in table["name"]]
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.04,
                        subplot_titles=("Red-line gap (points)", "Compromise outcome (0–100)"))
    fig.add_bar(y=names, x=table["redline_gap_a"], orientation="h", name=label_a, marker_color=BASELINE, row=1, col=1)
    fig.add_bar(y=names, x=table["redline_gap_b"], orientation="h", name=label_b, marker_color=CURRENT, row=1, col=1)
    for _, row in table.iterrows():
        fig.add_annotation(x=row["compromise_b"], y=wrap(row["name"], 26), ax=row["compromise_a"],
                           ay=wrap(row["name"], 26), xref="x2", yref="y2", axref="x2", ayref="y2",
                           showarrow=True, arrowhead=2, arrowcolor=CURRENT, text="")
    fig.add_scatter(y=names, x=table["compromise_a"], mode="markers", name=f"compromise, {label_a}",
                    marker={"color": BASELINE, "size": 10}, row=1, col=2)
    fig.add_scatter(y=names, x=table["compromise_b"], mode="markers", name=f"compromise, {label_b}",
                    marker={"color": CURRENT, "size": 10, "symbol": "diamond"}, row=1, col=2)
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(range=[-2, 102], row=1, col=2)
    fig.update_layout(barmode="group", height=140 + 45 * len(table), template="plotly_white",
                      margin={"l": 10, "r": 10, "t": 40, "b": 10}, legend={"orientation": "h", "y": -0.12})
    return fig


class StanceExplorer:
    """Move one stance's position and salience; the figures follow."""

    def __init__(self, scenario: Scenario, party: str, issue: str):
        self.scenario = scenario.baseline
        stance = self.scenario.stance(party, issue)
        if stance is None:
            raise ValueError(f"{party} has no stance on {issue}")
        self.party, self.issue = party, issue
        lo, hi = stance.acceptable
        self.position = w.FloatSlider(value=stance.position, min=lo, max=hi, step=1,
                                      description="position", continuous_update=False)
        self.salience = w.FloatSlider(value=stance.salience, min=1, max=100, step=1,
                                      description="salience", continuous_update=False)
        self.figures = w.HTML()
        self.plot = w.Output()
        self.baseline = analyze(self.scenario)
        for slider in (self.position, self.salience):
            slider.observe(lambda _: self.update(), names="value")
        title = w.HTML(f"<b>{party}</b> on <b>{issue}</b> (red lines {lo:g}–{hi:g})")
        self.widget = w.VBox([title, self.position, self.salience, self.figures, self.plot])
        self.update()

    def current(self) -> Analysis:
        return analyze(with_stance(self.scenario, self.party, self.issue,
                                   position=self.position.value, salience=self.salience.value))

    def update(self) -> Analysis:
        now = self.current()
        self.figures.value = (
            f"Agreement gap <b>{now.agreement_gap:.1f}</b> (was {self.baseline.agreement_gap:.1f}) · "
            f"deadlocked issues <b>{now.deadlocked_issues}</b> · "
            f"compromise on {self.issue}: <b>{now.issues.loc[self.issue, 'compromise']:.1f}</b> "
            f"(was {self.baseline.issues.loc[self.issue, 'compromise']:.1f})"
        )
        self.plot.clear_output(wait=True)
        with self.plot:
            comparison_figure(self.baseline, now, "as coded", "moved").show()
        return now


def export(analysis: Analysis, folder: str | Path, figures: dict[str, go.Figure] | None = None) -> list[Path]:
    """Write the tables as CSV and each figure as a standalone HTML file; returns the paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    tables: dict[str, pd.DataFrame] = {"issues": analysis.issues, "parties": analysis.parties,
                                       "distances": analysis.distances, "stances": analysis.stances,
                                       "concessions": analysis.concessions}
    for name, table in tables.items():
        path = folder / f"{name}.csv"
        table.to_csv(path)
        written.append(path)
    for name, figure in (figures or {}).items():
        path = folder / f"{name}.html"
        figure.write_html(path, include_plotlyjs=True, full_html=True)
        written.append(path)
    return written
