"""The section charts in words: what the evidence and timeline charts draw, and every word they write.

The charts (report/render/svg_charts.py, and the xlsx's native evidence chart, render/xlsx/chart.py) place the
titles, alt texts, legends and labels made here and write none of their own (tests/test_layouts_decide_nothing.py),
so the page's SVG, the email's PNG of it and the workbook say the same. The trend chart's words are on `TrendView`
(trend.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from ..formatting import signed
from .views import EvidenceChart, QuarterFigures, TimelineChart, TimelineEvent
from .words import LAB_ROLES, THIS_EDITION, Role, margin_text, plural

CHART_QUARTERS = 8  # the evidence chart draws the last this many quarters (its alt text says so when there are more)
ALT_EVENTS = 6  # the timeline chart's alt text names the first this many events, then says how many more


def evidence_chart(quarters: Sequence[QuarterFigures], margin: float) -> EvidenceChart:
    """Every quarter since the pivot against the ±`margin` band, and the chart's words: the quarters it draws
    with their figures, the score so far and the margin the call is held to."""
    every = tuple(quarters)
    margin = abs(margin)
    shown = every[-CHART_QUARTERS:]
    title = "Evidence by quarter since the pivot"
    parts = [f"{q.quarter}: pays {q.pays:.2f}, reverts {q.reverts:.2f}, net {signed(q.net)}" for q in shown]
    more = f" (the last {len(shown)} of {len(every)} quarters)" if len(every) > len(shown) else ""
    score = sum(q.net for q in every)
    alt = (f"{title}{more}: " + "; ".join(parts)
           + f". Score so far {signed(score)}; the call needs {margin_text(margin)}.")
    return EvidenceChart(
        quarters=every, margin=margin, shown=CHART_QUARTERS, title=title, alt=alt,
        pays="Pays", reverts="Reverts", net="Net",
        # The score line's last point, as the chart draws it (a running sum, rounded past any float drift).
        score=f"Score so far {signed(round(score, 10))}" if every else "Score so far",
        band=f"Call margin {margin_text(margin)}", band_below=f"Call margin \u2212{margin:.1f}",
        sheet_title="Evidence by quarter: pays up, reverts down, net marked",
    )


def timeline_alt(events: Sequence[TimelineEvent]) -> str:
    """The timeline chart in words: the first events, then how many more."""
    shown = [f"{e.date.isoformat()} {e.lab}, {e.kind.lower()}{' (the pivot)' if e.is_pivot else ''}"
             for e in events[:ALT_EVENTS]]
    more = f"; and {len(events) - ALT_EVENTS:,} more" if len(events) > ALT_EVENTS else ""
    return f"Timeline of {plural(len(events), 'event')} since the pivot: " + "; ".join(shown) + more + "."


def timeline_chart(events: Sequence[TimelineEvent], pivot: dt.date, edition: dt.date,
                   roles: Mapping[str, Role] | None = None) -> TimelineChart:
    """Every event since the pivot, the pivot's and the edition's days, and the chart's words. `roles` gives
    labs their role on the lab board: the pivot lab and the followers get a lane of their own, named with it."""
    marked = {lab: role for lab, role in (roles or {}).items() if role.marked}
    return TimelineChart(
        events=events, pivot=pivot, edition=edition, title="Timeline since the pivot", alt=timeline_alt(events),
        pivot_label="pivot", edition_label=THIS_EDITION, others="Other labs",
        lanes={lab: f"{lab} \u00b7 {role.label}" for lab, role in marked.items()},
        pivot_lab=next((lab for lab, role in marked.items() if role == LAB_ROLES.pivot), None),
    )
