"""Data health and sources, as readers see them.

Readers get one summary of the evidence's health in every output (`health_sentences`: how much of it is
stale or unsourced, and what that means for the verdict) and what the edition left out, said once; the
itemised rows (with their cells) are the desk's and only the xlsx lists them. The sources are listed most
cited first; the note counts the cited ones left out and those on file that no row cites.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..briefing import Briefing, HealthItem
from .rows import PAGE_WHERE, Limits, Lines, Rows, more_note, rows_of
from .views import HealthLine, HealthView, SourceLine
from .words import EMPTY, NO_EVIDENCE, as_day, house_date, plural

HEALTH_LABELS = {"stale": "Stale signal", "no-source": "No source", "warning": "Check warning"}


def health_sentences(b: Briefing) -> tuple[str, ...]:
    """The reader's Data health, the same in every output: how much of the evidence is stale or unsourced and
    what that means for the verdict. No cell, no chore: the rows to fix are `report check`'s and the xlsx's."""
    s, v = b.health_summary, b.verdict
    counted = s.counted_signals if s is not None else v.counted
    if not counted:
        return (NO_EVIDENCE + " Nothing can be stale or unsourced until a signal counts.",)
    if s is None:
        return ()
    out: list[str] = []
    total = plural(counted, "counted signal")
    if s.stale_signals:
        newest = f" (the newest on {house_date(s.newest_observed)})" if s.newest_observed else ""
        were = "was" if s.stale_signals == 1 else "were"
        fresher = counted - s.stale_signals
        meaning = (", so the verdict rests on old evidence only" if not fresher
                   else f": they still count, alongside {plural(fresher, 'fresher signal')}")
        out.append(f"{s.stale_signals:,} of {total} {were} observed more than {s.stale_after_days:g} days "
                   f"ago{newest}{meaning}.")
    else:
        newest = f", the newest on {house_date(s.newest_observed)}" if s.newest_observed else ""
        out.append(f"All {total} are fresh: none was observed more than {s.stale_after_days:g} days ago{newest}.")
    if s.missing_sources:
        them = "it" if s.missing_sources == 1 else "them"
        count = "counts" if s.missing_sources == 1 else "count"
        name = "names" if s.missing_sources == 1 else "name"
        out.append(f"{plural(s.missing_sources, 'signal')} {name} no source, so readers cannot follow {them} up; "
                   f"{'it' if s.missing_sources == 1 else 'they'} {count} towards the score all the same.")
    else:
        out.append("Every signal names its source.")
    if s.other_warnings:
        out.append(f"The desk's check raised {plural(s.other_warnings, 'other warning')} about the workbook; "
                   "the figures above count the workbook as it stands.")
    return tuple(out)


def left_out_sentence(b: Briefing) -> str | None:
    """'2 records dated after this edition were left out.' (and labs counted as they were), or None."""
    left = b.left_out
    if left is None:
        return None
    parts: list[str] = []
    if left.records:
        were = "was" if left.records == 1 else "were"
        parts.append(f"{plural(left.records, 'record')} dated after this edition {were} left out.")
    if left.labs_as_before:
        names = ", ".join(left.labs_as_before)
        parts.append(f"Counted with the weights they had before a later change: {names}.")
    return " ".join(parts) or None


def _health_line(h: HealthItem) -> HealthLine:
    return HealthLine(h.kind, HEALTH_LABELS.get(h.kind, h.kind), h.where, h.message)


def health_view(b: Briefing, limits: Limits) -> HealthView:
    """The readers' summary (or the empty sentence), the desk's itemised rows, and what was left out."""
    items = Lines(b.health, _health_line)
    return HealthView(health_sentences(b) or (EMPTY["health"],),
                      rows_of(items, items[: limits.health], EMPTY["health"]), left_out_sentence(b), EMPTY["health"])


def source_rows(b: Briefing, limits: Limits) -> Rows[SourceLine]:
    """The sources on file, most cited first, each with how many rows cite it."""
    # The sources this edition cites, most cited first; then the ones on file that no row cites.
    order = sorted(range(len(b.sources)), key=lambda i: (-b.sources[i].cited, i))
    rows = tuple(
        SourceLine(s.name, s.link, s.publisher, as_day(s.published), s.cited,
                   plural(s.cited, "row") if s.cited else None, s.url_text,
                   s.url_text if s.url_text and not s.link.url else None,
                   f"link not shown: {s.url_text}" if s.url_text and not s.link.url else None)
        for s in (b.sources[i] for i in order)
    )
    return sources_shown(rows, limits.sources, PAGE_WHERE)


def sources_shown(rows: Sequence[SourceLine], limit: int, where: str) -> Rows[SourceLine]:
    """The cited sources up to `limit`; the note counts the cited ones left out and those on file no row cites."""
    cited = [row for row in rows if row.cited]
    shown = tuple(cited[:limit])
    notes = [more_note(len(rows) - len(cited), "on file that no row cites"), more_note(len(cited) - len(shown), where)]
    empty = EMPTY["sources"] if not rows else "No row of this edition cites a source on file."
    return Rows(rows, shown, "; ".join(n for n in notes if n) or None, empty)

