"""Readable differences between two texts, for people rather than machines."""

from __future__ import annotations

import difflib

type WordDiff = list[tuple[str, str]]  # (kind, text): kind is "same", "added" or "removed"


def word_diff(before: str, after: str) -> WordDiff:
    """The words kept, removed and added between two texts, in reading order."""
    # Any run of whitespace separates words, so a line break does not glue two together.
    a, b = before.split(), after.split()
    result: WordDiff = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            result.append(("same", " ".join(a[i1:i2])))
            continue
        if op in ("delete", "replace") and i2 > i1:
            result.append(("removed", " ".join(a[i1:i2])))
        if op in ("insert", "replace") and j2 > j1:
            result.append(("added", " ".join(b[j1:j2])))
    return result


def list_diff(before: list[str], after: list[str]) -> WordDiff:
    """Items kept, removed and added between two lists, in the order of the longer story:
    the earlier list's order, with new items at the end. Commas separate the items."""
    items = [*before, *(item for item in after if item not in before)]
    result: WordDiff = []
    for n, item in enumerate(items):
        kind = (
            "same" if item in before and item in after else "removed" if item in before else "added"
        )
        result.append((kind, item if n == len(items) - 1 else f"{item},"))
    return result
