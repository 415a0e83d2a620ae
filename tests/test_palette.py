"""The one palette: text colours readable on white, white readable on every badge, dark mode readable too."""

from __future__ import annotations

import pytest
from conftest import contrast

from report import palette

TEXT_ON_WHITE = ["INK", "MUTED", "LINK", "PAYS", "REVERTS", "ALERT", "SOON", "ADDED", "HEADER"]


@pytest.mark.parametrize("name", TEXT_ON_WHITE)
def test_text_colours_read_on_white(name: str) -> None:
    assert contrast(getattr(palette, name)) >= 4.5


@pytest.mark.parametrize("state", sorted(palette.STATES))
def test_white_reads_on_every_verdict_badge(state: str) -> None:
    assert contrast(palette.ON_DARK, palette.STATES[state]) >= 4.5


@pytest.mark.parametrize("name", ["DARK_INK", "DARK_MUTED", "DARK_PAYS", "DARK_REVERTS"])
def test_dark_mode_text_reads_on_the_dark_background(name: str) -> None:
    assert contrast(getattr(palette, name), palette.DARK_BACKGROUND) >= 4.5


def test_tints_keep_their_hue_readable() -> None:
    # The weight chips put the hue on its own tint.
    assert contrast(palette.PAYS, palette.PAYS_TINT) >= 4.5
    assert contrast(palette.REVERTS, palette.REVERTS_TINT) >= 4.5
    assert contrast(palette.ALERT, palette.ALERT_TINT) >= 4.5
    assert contrast(palette.SOON, palette.SOON_TINT) >= 4.5


def test_the_page_css_uses_the_palette() -> None:
    assert palette.CSS["closed"] == palette.PAYS and palette.CSS["leaning-pays"] == palette.STATES["LEANING PAYS"]
