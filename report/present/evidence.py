"""The lab board, the evidence by quarter and the signals, as readers see them.

`labs_view` gives each lab its role (words.LAB_ROLES: pivot lab, follower, watched, not watched) and shows the
optional columns some lab fills; `labs_shown` cuts the board, keeping the pivot lab and followers. `evidence_view`
gives the weight per quarter (and the chart of it, charts.py), the latest quarter's signals (largest weight first)
and every signal for the xlsx, each value with the decimals its unit shows.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from dataclasses import replace

from ..briefing import Briefing, LabRow, QuarterWeight, SignalRow
from .charts import evidence_chart
from .rows import PAGE_WHERE, Limits, Lines, more_note, rows_of
from .views import EvidenceView, LabLine, LabsView, QuarterLine, SignalLine
from .words import (
    EMPTY,
    LAB_ROLES,
    Role,
    as_day,
    direction,
    key,
    leans_once,
    margin_text,
    number,
    plural,
    weight_text,
)

# The lab board's optional columns: (key, heading); the always-shown ones are Lab, Flagship weights, Role.
LAB_COLUMNS: tuple[tuple[str, str], ...] = (
    ("flagship", "Flagship"), ("licence", "Licence"), ("since", "Since"), ("mid_scale", "Mid-scale model"),
    ("source", "Source"),
)

MAX_PLACES = 3  # a Value shows at most this many decimals


def lab_role(lab: LabRow) -> Role:
    """How the verdict sees a lab."""
    if lab.is_pivot:
        return LAB_ROLES.pivot
    if lab.is_follower:
        return LAB_ROLES.follower
    return LAB_ROLES.watched if lab.watched else LAB_ROLES.not_watched


def labs_view(b: Briefing, limits: Limits) -> LabsView:
    """Every lab in the workbook's order, the optional columns some lab fills, and the rows the page shows."""
    rows = tuple(
        LabLine(lab=lab.lab, country=lab.country, role=(role := lab_role(lab)).label, role_key=role.key,
                weights=lab.weights, weights_key=key(lab.weights), flagship=lab.flagship_model,
                scale=lab.flagship_scale, licence=lab.licence, since=as_day(lab.since),
                mid_scale=lab.mid_scale_model, mid_scale_licence=lab.mid_scale_licence, source=lab.source,
                marked=lab.is_pivot or lab.is_follower)
        for lab in b.labs
    )
    filled = {
        "flagship": any(r.flagship or r.scale for r in rows),
        "licence": any(r.licence for r in rows),
        "since": any(r.since for r in rows),
        "mid_scale": any(r.mid_scale or r.mid_scale_licence for r in rows),
        "source": any(r.source for r in rows),
    }
    view = LabsView(rows, tuple((k, h) for k, h in LAB_COLUMNS if filled[k]), EMPTY["labs"])
    return labs_shown(view, limits.labs, PAGE_WHERE)


def labs_shown(labs: LabsView, limit: int, where: str) -> LabsView:
    """The board showing at most `limit` labs, its note saying `where` the rest are."""
    # The pivot lab and every follower keep their rows, then watched labs; the board keeps the workbook's order.
    rows = labs.rows
    rank = {role.key: i for i, role in enumerate(LAB_ROLES)}
    keep = sorted(range(len(rows)), key=lambda i: (rank.get(rows[i].role_key, len(rank)), i))[:limit]
    shown = tuple(rows[i] for i in sorted(keep))
    return replace(labs, shown=shown, more=more_note(len(rows) - len(shown), where))


def _quarter(q: QuarterWeight) -> QuarterLine:
    return QuarterLine(q.quarter, q.pays, q.reverts, q.net, q.signals, number(q.pays), number(q.reverts),
                       weight_text(q.net), direction(q.net), plural(q.signals, "signal"))


def _decimals(value: float) -> int:
    """The decimals an editor typed (1259.9 has 1, 1580.04 has 2), at most MAX_PLACES."""
    text = repr(value)
    if "e" in text or "." not in text:
        return 0
    return min(len(text.partition(".")[2].rstrip("0")), MAX_PLACES)


def value_places(signals: Iterator[SignalRow] | Sequence[SignalRow]) -> dict[str | None, int]:
    """Decimals per unit: every value of one unit shows as many as the most precise of them, so a column of
    tokens/s reads 1,259.90 and 1,580.04, not 1259.9 and 1580.04."""
    places: dict[str | None, int] = {}
    for s in signals:
        if s.number is not None:
            places[s.unit] = max(places.get(s.unit, 0), _decimals(s.number))
    return places


def _signal(s: SignalRow, places: dict[str | None, int] | None = None) -> SignalLine:
    value, number_text, shown_places = s.value, None, 0
    if s.number is not None:
        shown_places = (places or {}).get(s.unit, _decimals(s.number))
        number_text = f"{s.number:,.{shown_places}f}".replace("-", "\u2212")
        value = f"{number_text} {s.unit}" if s.unit else number_text
    return SignalLine(
        quarter=s.quarter, signal=s.signal, lab=s.lab or "Industry", value=value, points_to=s.points_to,
        points_key=key(s.points_to), strength=s.strength, confidence=s.confidence, weight=s.weight,
        weight_text=weight_text(s.weight, s.counted), direction=direction(s.weight) if s.counted else "neutral",
        counted=s.counted, observed=as_day(s.observed), source=s.source,
        number=s.number, number_text=number_text, places=shown_places, unit=s.unit,
    )


def evidence_view(b: Briefing, limits: Limits) -> EvidenceView:
    """The weight per quarter with its caption, the latest quarter's signals, and every signal (for the xlsx)."""
    places = value_places(b.signals)
    line = functools.partial(_signal, places=places)
    latest = tuple(line(s) for s in b.latest_signals)  # largest weight first (analysis)
    margin = b.verdict.margin
    quarters = tuple(_quarter(q) for q in b.quarters)
    return EvidenceView(
        quarters=quarters,
        margin=margin,
        margin_text=margin_text(margin),
        caption=("Weight of the evidence per quarter since the pivot: pays (closed weights pay) up, reverts "
                 f"(the open-weight default reasserts) down; {leans_once(margin)}."),
        empty=EMPTY["evidence"],
        latest_heading=f"Signals in {b.latest_quarter}" if b.latest_quarter else None,
        latest=rows_of(latest, latest[: limits.signals], EMPTY["signals"]),
        all_signals=Lines(b.signals, line),
        chart=evidence_chart(quarters, margin),
        latest_quarter=b.latest_quarter,
    )
