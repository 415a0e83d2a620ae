"""Every finding the checker makes, declared once: its code, its level and its message.

The code is a contract (`check --json`; the README's catalogue lists each one, tests/test_finding_codes.py
holds the two together). The message is a template of the fields each finding fills in; a value the
editor wrote is passed in already quoted by values.show. A rule said two ways keeps one code and one level
(`worded`). The findings that depend on the edition date are declared in report/edition.py, the
contradictions' in report/contradictions.py.
"""

from __future__ import annotations

from ..findings import Rule

# -- the workbook as a whole ------------------------------------------------------------------------------

MACROS_IGNORED = Rule("macros-ignored", "warning", "this workbook holds macros; they are ignored and never run")
DUPLICATE_SHEET = Rule("duplicate-sheet", "error",
                       "the sheets {listed} both match the {name} sheet: rename or delete all but one")
HIDDEN_SHEET = Rule("hidden-sheet", "warning", "the sheet {name} is {hidden}: it is read all the same; unhide it "
                    "so what the briefing shows can be seen")
UNKNOWN_SHEET = Rule("unknown-sheet", "warning", "the sheet {name} is not one the tool uses; it is ignored")
OLDER_TEMPLATE = Rule("older-template", "warning", "this workbook comes from an older template: it lacks {listed} "
                      "(defaults are used); run 'report upgrade {name} {upgraded}' to bring it up to date")
EMPTY_WORKBOOK = Rule("empty-workbook", "error", "this workbook is new: start with Settings: {names}; then put the "
                      "pivot lab and the labs you watch on the Labs sheet; then add events, signals, milestones "
                      "and sources")

# -- a sheet's header row ---------------------------------------------------------------------------------

UNKNOWN_COLUMN = Rule("unknown-column", "warning", "the column {header} is not one the tool uses; it is ignored")
DUPLICATE_COLUMN = Rule("duplicate-column", "error", "the column {header} appears twice: keep one of them")
ABOVE_HEADER = Rule("above-header", "warning",
                    "row{s} {rows} above the table name{verb_s} none of this sheet's columns and {are} ignored: "
                    "row {header_row} was taken as the header, the first row that names one")
NO_HEADER = Rule("no-header", "error",
                 "no row among the first {search} rows with text names a column of this sheet, so row {header_row} "
                 "(the first with text) was taken as the header: add a header row with {wanted}")
MISSING_COLUMN = Rule("missing-column", "error", "the required column {name} is missing: add it to {where}")
MERGED_CELLS = Rule("merged-cells", "error", "cells {range} are merged: unmerge them so each value has its own cell")

# -- one cell ---------------------------------------------------------------------------------------------

FORMULA_NOT_CALCULATED = Rule("formula-not-calculated", "error",
                              "this formula has no saved value: open the workbook in Excel or LibreOffice, save it, "
                              "and run again")
FORMULA_ERROR = Rule("formula-error", "error", "the formula here shows the error {error}: fix the formula")
ERROR_VALUE = Rule("error-value", "error", "this cell holds the error {error}: replace it with a value")
REQUIRED = Rule("required", "error", "{name} is required: fill in this cell")

# A cell that is not a valid value of its column (a bad date, a choice not offered ...): values.py's parsers
# and safety.py's rules word each case themselves (Bad: a code and a reason quoting the value, often more than
# one reason a code), so each of these rules' message is that reason.
BAD_VALUE = {code: Rule(code, "error", "{reason}") for code in (
    "ambiguous-date", "bad-date", "bad-due", "bad-quarter", "out-of-range", "not-a-number", "not-positive",
    "bad-strength", "not-a-choice", "not-one-line", "invisible-character", "control-character", "too-long",
    "bad-email", "bad-url")}

# -- the Settings sheet -----------------------------------------------------------------------------------

UNNAMED_SETTING = Rule("unnamed-setting", "warning",
                       "the value {shown} has no setting name beside it; it is ignored")
UNKNOWN_SETTING = Rule("unknown-setting", "warning", "the setting {label} is not one the tool uses; it is ignored")
DUPLICATE_SETTING = Rule("duplicate-setting", "error", "the setting {label} is given twice (also row {first}): keep one")
MISSING_SETTING = Rule("missing-setting", "error", "the setting {shown} is missing: add a row with {name} in the "
                       "Setting column and its value beside it")

# -- across sheets ----------------------------------------------------------------------------------------

DUPLICATE = Rule("duplicate", "error", "{name} is already on row {first}: each {heading} must be unique")
UNKNOWN_LAB = Rule("unknown-lab", "error", "{name} is not a lab on the Labs sheet: add it there or fix the spelling")
UNKNOWN_PIVOT_LAB = UNKNOWN_LAB.worded("the pivot lab {name} is not a lab on the Labs sheet: add it there or fix "
                                       "the spelling")
UNKNOWN_SOURCE = Rule("unknown-source", "warning",
                      "{name} names no row on the Sources sheet: add it there, or give a link")
NO_SOURCE = Rule("no-source", "warning", "this signal has no source: name one from the Sources sheet, or give a link")
FAR_FUTURE = Rule("far-future", "warning", "{date} is more than {years} years ahead: check the year")

# -- the edition ------------------------------------------------------------------------------------------

EDITION_BEFORE_PIVOT = Rule("edition-before-pivot", "error",
                            "the edition {edition} is before the Pivot date {pivot}: an edition follows the pivot, so "
                            "give a date on or after it, or leave it blank for today")
TODAY_BEFORE_PIVOT = EDITION_BEFORE_PIVOT.worded(
    "today ({today}) is before the Pivot date {pivot}, and the Edition date is blank: give an Edition date on or "
    "after the pivot, or check the Pivot date")
