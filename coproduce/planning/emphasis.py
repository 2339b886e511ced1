"""How much emphasis co-production deserves: the rule behind the emphasis appraisal.

The team scores each of the paper's seven criteria from -2 (strongly favours less
co-production) to +2 (strongly favours more). The rule, also shown on the appraisal page:

1. Only scored criteria count. With fewer than MIN_SCORED of the seven scored, the
   recommendation is provisional.
2. The balance is the mean score. A balance of -0.5 or lower recommends *less* emphasis,
   +0.5 or higher recommends *more*, anything between recommends a *balanced* approach.
3. The reasons are the criteria that pushed towards the recommendation, strongest first. For a
   balanced recommendation, the strongest criterion on each side is given, so the team sees
   what it is weighing.
4. Any criterion scored at full strength (-2 or +2) against the recommendation is listed as a
   caution: one strong reason can matter more than an average suggests.

Plain Python over plain data, so the rule is tested exhaustively (tests/unit/test_emphasis.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

MIN_SCORED = 4
THRESHOLD = Decimal("0.5")


class Recommendation(StrEnum):
    LESS = "less"
    BALANCED = "balanced"
    MORE = "more"


@dataclass(frozen=True)
class CriterionScore:
    code: str
    name: str
    score: int  # -2..+2


@dataclass(frozen=True)
class Appraisal:
    recommendation: Recommendation | None
    balance: Decimal | None
    scored: int
    total: int
    provisional: bool
    reasons: tuple[CriterionScore, ...]
    cautions: tuple[CriterionScore, ...]


def appraise(scores: list[CriterionScore], total: int = 7) -> Appraisal:
    for item in scores:
        if item.score not in range(-2, 3):
            raise ValueError(f"Score for {item.code} must be between -2 and 2, not {item.score}")
    if not scores:
        return Appraisal(None, None, 0, total, True, (), ())
    balance = Decimal(sum(s.score for s in scores)) / Decimal(len(scores))
    if balance <= -THRESHOLD:
        recommendation = Recommendation.LESS
    elif balance >= THRESHOLD:
        recommendation = Recommendation.MORE
    else:
        recommendation = Recommendation.BALANCED
    by_strength = sorted(scores, key=lambda s: (-abs(s.score), s.code))
    if recommendation is Recommendation.BALANCED:
        strongest_less = [s for s in by_strength if s.score < 0][:1]
        strongest_more = [s for s in by_strength if s.score > 0][:1]
        reasons = tuple(strongest_less + strongest_more)
        cautions: tuple[CriterionScore, ...] = ()
    else:
        sign = 1 if recommendation is Recommendation.MORE else -1
        reasons = tuple(s for s in by_strength if s.score * sign > 0)
        cautions = tuple(s for s in by_strength if s.score * sign == -2)
    return Appraisal(
        recommendation=recommendation,
        balance=balance,
        scored=len(scores),
        total=total,
        provisional=len(scores) < MIN_SCORED,
        reasons=reasons,
        cautions=cautions,
    )
