"""Text in files people open in a spreadsheet program.

A spreadsheet runs a cell that starts with one of FORMULA_START as a formula (CSV injection,
OWASP: https://owasp.org/www-community/attacks/CSV_Injection). Every CSV coproduce writes puts
an apostrophe before such text, as spreadsheets themselves do, and its imports take it off
again: the cost and time exports and imports, and the participants' identifying details.
"""

from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "'")
_ESCAPED = frozenset("'" + start for start in FORMULA_START)


def defused(text: str) -> str:
    """The text with an apostrophe in front if a spreadsheet would run it as a formula."""
    return "'" + text if text.startswith(FORMULA_START) else text


def undefused(text: str) -> str:
    """The text as it was before `defused`."""
    return text[1:] if text[:2] in _ESCAPED else text
