"""report: turns the desk's bifurcation workbook into a weekly briefing."""

__version__ = "0.1.0"
