"""How wide and how tall text is in the workbook's font (Arial 10): column widths and row heights.

Neither Excel nor LibreOffice sizes columns, or rows of wrapped text, in a file they did not lay out themselves,
so the writer estimates them here from Arial's advance widths (LibreOffice's Liberation Sans has the same).
"""

from __future__ import annotations

import functools
import math
import unicodedata

DEFAULT_ROW_POINTS = 12.75  # Arial 10
MAX_ROW_POINTS = 409  # Excel's tallest row; a longer text scrolls inside its cell
DIGIT_PX = 7  # a column width unit: one digit of Arial 10 at 96 dpi
# Advance widths of Arial (and its metric twin Liberation Sans) for ASCII 32-126, in thousandths of an em.
ARIAL_WIDTHS = (
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556,
    556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667,
    556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556,
    556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722,
    500, 500, 500, 334, 260, 334, 584,
)


@functools.cache
def _em(char: str) -> float:
    code = ord(char)
    if 32 <= code < 127:
        return ARIAL_WIDTHS[code - 32] / 1000
    return 1.0 if unicodedata.east_asian_width(char) in "WF" else 0.6


def _widest_px(props: dict[str, object]) -> float:
    """The widest a single character can be in this format (Arial's widest ASCII, '@', or a full em)."""
    size = float(props.get("font_size", 10))  # type: ignore[arg-type]
    return 1.015 * size * 96 / 72 * (1.08 if props.get("bold") else 1.0)


def _px_per_em(props: dict[str, object]) -> float:
    size = float(props.get("font_size", 10))  # type: ignore[arg-type]
    return size * 96 / 72 * (1.08 if props.get("bold") else 1.0)


def text_px(text: str, props: dict[str, object]) -> float:
    """Estimated width in pixels of one line of `text` in the cell format `props` (Arial)."""
    return _ems(text) * _px_per_em(props)


# Thousandths of an em for every ASCII code, as _em gives them (a control character is 0.6 em).
_ASCII_EMS = tuple(ARIAL_WIDTHS[code - 32] if 32 <= code < 127 else 600 for code in range(128))


def _ems(text: str) -> float:
    if text.isascii():  # most cell text: one table lookup per byte, in C
        return sum(map(_ASCII_EMS.__getitem__, text.encode("ascii"))) / 1000
    return _word_ems(text)


@functools.lru_cache(maxsize=65536)
def _word_ems(text: str) -> float:
    # Words repeat down a long sheet; measuring each once keeps big briefings quick.
    return _ems(text) if text.isascii() else sum(map(_em, text))


def fitted(longest_px: float, least: int, most: int) -> int:
    """A column width (units) for its longest line, between the column's least and most."""
    return max(least, min(most, math.ceil((longest_px + 12) / DIGIT_PX)))


def wrapped_height(text: str, width: int, props: dict[str, object]) -> float:
    """Points a wrapping cell needs; 0 when one line does (no character is wider than its em: a text that fits
    by its length alone is one line, and is not measured; nor is one whose whole width fits)."""
    if "\n" not in text and (len(text) * _widest_px(props) <= width * DIGIT_PX or
                             text_px(text, props) <= width * DIGIT_PX):
        return 0
    return text_height(text, width, props)


def line_count(text: str, width: int, props: dict[str, object]) -> int:
    """Lines a wrapped text takes in a column `width` units wide: greedy word wrap, as Excel does."""
    room = width * DIGIT_PX  # the column is 5 px wider than its units; the cell keeps ~2 px each side
    scale = _px_per_em(props)
    space = _ems(" ") * scale
    count = 0
    for part in text.split("\n"):
        count += 1
        words = [ems * scale for ems in map(_word_ems, part.split(" "))]
        if sum(words) + space * (len(words) - 1) <= room:  # the whole line fits: no wrapping to follow
            continue
        line = 0.0
        for word_px in words:
            if line and line + space + word_px > room:
                count += 1
                line = 0.0
            if word_px > room:  # a word longer than the column breaks anywhere
                count += int(word_px // room)
                word_px %= room
            line += (space if line else 0.0) + word_px
    return count


def text_height(text: str, width: int, props: dict[str, object]) -> float:
    """Points a wrapped text needs in a column `width` units wide; 0 when the default height does."""
    size = float(props.get("font_size", 10))  # type: ignore[arg-type]
    needed = line_count(text, width, props) * size * 1.2 + 3
    return min(needed, MAX_ROW_POINTS) if needed > DEFAULT_ROW_POINTS + 3 else 0
