"""A progress bar for commands: one line on a terminal, redrawn in place."""

from __future__ import annotations

from django.core.management.base import OutputWrapper


class ProgressBar:
    """Redraws only when the line shown changes, so long work does not flood the terminal."""

    width = 30

    def __init__(self, stream: OutputWrapper) -> None:
        self.stream = stream
        self.shown = ""

    def show(self, label: str, done: int, total: int | None, unit: str) -> None:
        if total:
            share = min(done / total, 1.0)
            filled = round(share * self.width)
            line = (
                f"{label:<8} [{'#' * filled}{'.' * (self.width - filled)}] {share:4.0%} "
                f"{done:,} of {total:,} {unit}"
            )
        else:
            line = f"{label} {done:,} {unit}"
        if line != self.shown:
            self.stream.write(f"\r{line}", ending="")
            self.stream.flush()
            self.shown = line

    def finish(self) -> None:
        if self.shown:
            self.stream.write("")  # ends the line
