"""From a register and stage estimates to the simulation's inputs, and back to saved JSON.

Plain Python over plain data: no ORM here. `queries.forecast_plan` reads the database into
these dataclasses; the pages, the background task and `coproduce simulate` all go through
`plan_inputs`, so they simulate exactly the same thing.

Defaults for a risk's forecast inputs (used until the team writes its own, and shown as such):

- **probability** from its likelihood: the middle of the band each score describes
  (`LIKELIHOOD_HELP`): 0.05, 0.2, 0.4, 0.65, 0.9;
- **delay** in weeks from its impact, as optimistic, most likely and pessimistic estimates:
  negligible (0, 0.5, 1), minor (0.5, 1, 2), moderate (1, 3, 6), major (3, 6, 12),
  severe (6, 12, 26);
- **extra cost** from its impact, as a share of the most likely co-production cost of its
  stage (or, if that stage has no estimate, of the average estimated stage): negligible
  (0, 2%, 5%), minor (2%, 5%, 10%), moderate (5%, 10%, 25%), major (10%, 25%, 50%),
  severe (25%, 50%, 100%).

Only open and mitigating risks are simulated: a closed risk is over, and one that occurred
should be reflected in the stage estimates that remain.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from coproduce.risks.simulation import (
    PERCENTILES,
    Outcome,
    RiskInput,
    SimulationResult,
    StageInput,
    ThreePoint,
)

type Estimate = tuple[Decimal, Decimal, Decimal]

PROBABILITY_BY_LIKELIHOOD = {
    1: Decimal("0.05"),
    2: Decimal("0.2"),
    3: Decimal("0.4"),
    4: Decimal("0.65"),
    5: Decimal("0.9"),
}
DELAY_BY_IMPACT: dict[int, Estimate] = {
    1: (Decimal(0), Decimal("0.5"), Decimal(1)),
    2: (Decimal("0.5"), Decimal(1), Decimal(2)),
    3: (Decimal(1), Decimal(3), Decimal(6)),
    4: (Decimal(3), Decimal(6), Decimal(12)),
    5: (Decimal(6), Decimal(12), Decimal(26)),
}
COST_SHARE_BY_IMPACT: dict[int, Estimate] = {
    1: (Decimal(0), Decimal("0.02"), Decimal("0.05")),
    2: (Decimal("0.02"), Decimal("0.05"), Decimal("0.10")),
    3: (Decimal("0.05"), Decimal("0.10"), Decimal("0.25")),
    4: (Decimal("0.10"), Decimal("0.25"), Decimal("0.50")),
    5: (Decimal("0.25"), Decimal("0.50"), Decimal(1)),
}
CENT = Decimal("0.01")


@dataclass(frozen=True)
class StagePlan:
    number: int
    name: str
    duration: Estimate
    cost: Estimate


@dataclass(frozen=True)
class RiskPlan:
    """A risk as the register holds it; None for a forecast input the team has not set."""

    id: int
    title: str
    stage_number: int
    stage_name: str
    likelihood: int
    impact: int
    probability: Decimal | None
    delay: Estimate | None
    cost: Estimate | None


@dataclass(frozen=True)
class RiskForecast:
    """The inputs a risk is simulated with, and which of them are defaults."""

    plan: RiskPlan
    probability: Decimal
    delay: Estimate
    cost: Estimate
    defaults: frozenset[str]  # names of the inputs that came from likelihood and impact


def risk_forecast(risk: RiskPlan, stage_costs: Mapping[int, Decimal]) -> RiskForecast:
    """`stage_costs`: the most likely cost of each estimated stage, by stage number."""
    defaults = set()
    probability = risk.probability
    if probability is None:
        probability = PROBABILITY_BY_LIKELIHOOD[risk.likelihood]
        defaults.add("probability")
    delay = risk.delay
    if delay is None:
        delay = DELAY_BY_IMPACT[risk.impact]
        defaults.add("delay")
    cost = risk.cost
    if cost is None:
        base = stage_costs.get(risk.stage_number)
        if base is None:
            base = (
                sum(stage_costs.values(), Decimal(0)) / len(stage_costs)
                if stage_costs
                else Decimal(0)
            )
        low, mode, high = (
            (share * base).quantize(CENT) for share in COST_SHARE_BY_IMPACT[risk.impact]
        )
        cost = (low, mode, high)
        defaults.add("cost")
    return RiskForecast(risk, probability, delay, cost, frozenset(defaults))


def plan_inputs(
    stages: Sequence[StagePlan], risks: Sequence[RiskPlan]
) -> tuple[list[StageInput], list[RiskInput], dict[str, Any]]:
    """The engine's inputs, and the JSON record of them that is saved with the run."""
    stage_costs = {s.number: s.cost[1] for s in stages}
    forecasts = [risk_forecast(r, stage_costs) for r in risks]
    stage_inputs = [
        StageInput(f"Stage {s.number}: {s.name}", _three(s.duration), _three(s.cost))
        for s in stages
    ]
    risk_inputs = [
        RiskInput(
            f.plan.title,
            f"Stage {f.plan.stage_number}: {f.plan.stage_name}",
            float(f.probability),
            _three(f.delay),
            _three(f.cost),
        )
        for f in forecasts
    ]
    record = {
        "stages": [
            {
                "number": s.number,
                "name": s.name,
                "duration": _strings(s.duration),
                "cost": _strings(s.cost),
            }
            for s in stages
        ],
        "risks": [
            {
                "id": f.plan.id,
                "title": f.plan.title,
                "stage": f.plan.stage_number,
                "stage_name": f.plan.stage_name,
                "probability": str(f.probability),
                "delay": _strings(f.delay),
                "cost": _strings(f.cost),
                "defaults": sorted(f.defaults),
            }
            for f in forecasts
        ],
    }
    return stage_inputs, risk_inputs, record


def inputs_from_record(record: Mapping[str, Any]) -> tuple[list[StageInput], list[RiskInput]]:
    """The engine's inputs from a saved run's record, so a queued run simulates exactly what
    was saved with it, whatever has changed in the register since."""
    stages = [
        StageInput(f"Stage {s['number']}: {s['name']}", _parse(s["duration"]), _parse(s["cost"]))
        for s in record["stages"]
    ]
    risks = [
        RiskInput(
            r["title"],
            f"Stage {r['stage']}: {r['stage_name']}",
            float(r["probability"]),
            _parse(r["delay"]),
            _parse(r["cost"]),
        )
        for r in record["risks"]
    ]
    return stages, risks


def _parse(values: Sequence[str]) -> ThreePoint:
    low, mode, high = (float(v) for v in values)
    return ThreePoint(low, mode, high)


def _three(estimate: Estimate) -> ThreePoint:
    return ThreePoint(*(float(v) for v in estimate))


def _strings(estimate: Estimate) -> list[str]:
    return [str(v) for v in estimate]


def result_record(result: SimulationResult) -> dict[str, Any]:
    """The JSON saved with a finished run."""
    return {
        "iterations": result.iterations,
        "capped": result.capped,
        "duration": _outcome_record(result.duration),
        "cost": _outcome_record(result.cost),
        "tornado": [
            {"name": name, "duration": duration, "cost": cost}
            for name, duration, cost in result.tornado
        ],
    }


def _outcome_record(outcome: Outcome) -> dict[str, Any]:
    counts, edges = outcome.histogram
    return {
        "percentiles": {str(p): v for p, v in outcome.percentiles.items()},
        "mean": outcome.mean,
        "histogram": {"counts": counts, "edges": edges},
        "s_curve": [list(point) for point in outcome.s_curve],
    }


@dataclass(frozen=True)
class PercentileChange:
    percentile: int
    earlier: float
    later: float

    @property
    def change(self) -> float:
        return self.later - self.earlier


@dataclass(frozen=True)
class InputChange:
    what: str
    earlier: str
    later: str


@dataclass(frozen=True)
class Comparison:
    duration: list[PercentileChange]
    cost: list[PercentileChange]
    changes: list[InputChange]


def compare(
    earlier_inputs: Mapping[str, Any],
    earlier_result: Mapping[str, Any],
    later_inputs: Mapping[str, Any],
    later_result: Mapping[str, Any],
) -> Comparison:
    """What moved between two finished runs: their percentiles, and every input that differs."""

    def percentiles(which: str) -> list[PercentileChange]:
        return [
            PercentileChange(
                p,
                earlier_result[which]["percentiles"][str(p)],
                later_result[which]["percentiles"][str(p)],
            )
            for p in PERCENTILES
        ]

    return Comparison(
        percentiles("duration"),
        percentiles("cost"),
        _input_changes(earlier_inputs, later_inputs),
    )


def _input_changes(earlier: Mapping[str, Any], later: Mapping[str, Any]) -> list[InputChange]:
    changes = []
    for kind, key, label in (("stages", "number", "Stage"), ("risks", "id", "Risk")):
        before = {row[key]: row for row in earlier[kind]}
        after = {row[key]: row for row in later[kind]}
        for ident in sorted(before.keys() | after.keys()):
            old, new = before.get(ident), after.get(ident)
            name = (new or old or {}).get("name") or (new or old or {}).get("title")
            what = f"{label} {ident}: {name}" if kind == "stages" else f"{label}: {name}"
            if old is None:
                changes.append(InputChange(what, "not in the run", _describe(new or {})))
            elif new is None:
                changes.append(InputChange(what, _describe(old), "not in the run"))
            elif _describe(old) != _describe(new):
                changes.append(InputChange(what, _describe(old), _describe(new)))
    return changes


def _describe(row: Mapping[str, Any]) -> str:
    parts = []
    if "probability" in row:
        parts.append(f"probability {row['probability']}")
    label = "delay" if "probability" in row else "weeks"
    parts.append(f"{label} {' / '.join(row.get('delay') or row.get('duration') or [])}")
    parts.append(f"cost {' / '.join(row['cost'])}")
    return "; ".join(parts)
