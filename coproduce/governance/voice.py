"""Whose voice counts: plain calculations over who came to each activity and how often each
person contributed (the optional tally on the activity form).

Definitions (also on the voice page):

- **People counted**: everyone who attended at least one of the activities in view. People
  who never came are not in the figures; "attendance narrows" below catches people who stop
  coming.
- **Gini coefficient** of a set of non-negative amounts (contributions per person, or
  activities attended per person): 0 when everyone has the same, approaching 1 when one
  person has everything. With the amounts sorted ascending, x₁ ≤ … ≤ xₙ, it is
  G = 2 Σ i·xᵢ / (n Σ xᵢ) - (n + 1) / n (the mean absolute difference between all pairs,
  divided by twice the mean). It is 0 when the total is 0.
- **Share of the two most active**: the two people with the most contributions, as a share
  of all contributions.
- **Usual suspects warning**, over the last N activities (default 3):
  - *dominated*: the two most active people made more than half of all contributions, and
    more than their equal share (two in n, for n people who took part), with at least three
    people taking part. With three people, two make two thirds of an evenly shared
    conversation, so there the two must make more than two thirds;
  - *narrowing*: at least two people who came to any of the N activities before stopped
    coming (attended none of the last N), and fewer different people came to the last N than
    to the N before.
- Contributions count only where the tally was kept; an activity without any tally adds
  nothing to the contribution figures but still counts for attendance.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

DEFAULT_WINDOW = 3
MIN_PEOPLE_FOR_DOMINANCE = 3


@dataclass(frozen=True)
class ActivityVoice:
    activity_id: int
    title: str
    date: datetime.date
    contributions: Mapping[int, int | None]  # person id -> contributions (None: no tally)


def gini(amounts: Sequence[int | Fraction]) -> Fraction:
    """The Gini coefficient, exactly."""
    values = sorted(amounts)
    n, total = len(values), sum(values)
    if n and values[0] < 0:
        raise ValueError("The Gini coefficient needs amounts of zero or more.")
    if n == 0 or total == 0:
        return Fraction(0)
    weighted = sum((i + 1) * x for i, x in enumerate(values))
    return Fraction(2 * weighted, n * total) - Fraction(n + 1, n)


def top_two_share(amounts: Sequence[int]) -> Fraction | None:
    total = sum(amounts)
    if total == 0:
        return None
    return Fraction(sum(sorted(amounts, reverse=True)[:2]), total)


@dataclass(frozen=True)
class VoiceSummary:
    activities: int
    people: int
    contributions: int
    contribution_gini: Fraction
    attendance_gini: Fraction
    top_two_share: Fraction | None
    top_two: list[int]  # person ids, most active first


def summarise(activities: Sequence[ActivityVoice]) -> VoiceSummary:
    attended: dict[int, int] = {}
    contributed: dict[int, int] = {}
    for activity in activities:
        for person, count in activity.contributions.items():
            attended[person] = attended.get(person, 0) + 1
            contributed[person] = contributed.get(person, 0) + (count or 0)
    people = sorted(attended)
    amounts = [contributed[p] for p in people]
    ranked = sorted(people, key=lambda p: (-contributed[p], p))
    return VoiceSummary(
        activities=len(activities),
        people=len(people),
        contributions=sum(amounts),
        contribution_gini=gini(amounts),
        attendance_gini=gini([attended[p] for p in people]),
        top_two_share=top_two_share(amounts),
        top_two=[p for p in ranked[:2] if contributed[p] > 0],
    )


@dataclass(frozen=True)
class TrendPoint:
    activity: ActivityVoice
    contribution_gini: Fraction
    top_two_share: Fraction | None
    attendees: int


def trend(activities: Sequence[ActivityVoice], window: int = DEFAULT_WINDOW) -> list[TrendPoint]:
    """For each activity, the figures over it and the window - 1 activities before it."""
    points = []
    for i, activity in enumerate(activities):
        summary = summarise(activities[max(0, i - window + 1) : i + 1])
        points.append(
            TrendPoint(
                activity,
                summary.contribution_gini,
                summary.top_two_share,
                len(activity.contributions),
            )
        )
    return points


@dataclass(frozen=True)
class VoiceWarning:
    kind: str  # "dominated" or "narrowing"
    text: str
    people: list[int]  # the person ids it is about


def usual_suspects(
    activities: Sequence[ActivityVoice], window: int = DEFAULT_WINDOW
) -> list[VoiceWarning]:
    if window < 1:
        raise ValueError("The window is at least one activity.")
    recent = activities[-window:] if len(activities) >= window else []
    warnings = []
    if recent:
        summary = summarise(recent)
        share = summary.top_two_share
        if (
            share is not None
            and summary.people >= MIN_PEOPLE_FOR_DOMINANCE
            and share > max(Fraction(1, 2), Fraction(2, summary.people))
        ):
            warnings.append(
                VoiceWarning(
                    "dominated",
                    f"Over the last {window} activities, two people made {_percent(share)} of "
                    f"all {summary.contributions} contributions, among {summary.people} people "
                    "who took part.",
                    summary.top_two,
                )
            )
    earlier = activities[-2 * window : -window] if len(activities) >= 2 * window else []
    if recent and earlier:
        before = {p for a in earlier for p in a.contributions}
        now = {p for a in recent for p in a.contributions}
        dropped = sorted(before - now)
        if len(dropped) >= 2 and len(now) < len(before):
            warnings.append(
                VoiceWarning(
                    "narrowing",
                    f"Attendance is narrowing: {len(before)} different people came to the "
                    f"{window} activities before the last {window}, and {len(now)} to the last "
                    f"{window}. {len(dropped)} who came before have not come since.",
                    dropped,
                )
            )
    return warnings


def _percent(share: Fraction) -> str:
    return f"{round(100 * share)}%"
