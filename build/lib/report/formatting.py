"""Number formats shared by the analysis (its sentences) and every renderer."""

from __future__ import annotations


def signed(value: float | None, places: int = 2) -> str:
    """+1.20 / −0.60 (a real minus sign), 0.00."""
    if value is None:
        return "–"
    if abs(value) < 0.5 * 10**-places:
        return f"{0:.{places}f}"
    text = f"{abs(value):.{places}f}"
    return ("+" if value > 0 else "\u2212") + text
