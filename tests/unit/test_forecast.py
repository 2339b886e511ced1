"""From the register to the engine's inputs and back: defaults from likelihood and impact,
the saved record, comparisons of two runs, and validation of every input the team types."""

from __future__ import annotations

import json
import math
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coproduce.catalogue.models import Stage
from coproduce.risks.forecast import (
    InputChange,
    RiskPlan,
    StagePlan,
    compare,
    inputs_from_record,
    plan_inputs,
    risk_forecast,
)
from coproduce.risks.forms import RiskForm, StageEstimateForm
from coproduce.risks.simulation import (
    CHUNK,
    InvalidInput,
    RiskInput,
    StageInput,
    ThreePoint,
    check_inputs,
    simulate,
)

D = Decimal


def stage(number: int, cost_mode: str, name: str | None = None) -> StagePlan:
    return StagePlan(
        number,
        name or f"Stage name {number}",
        (D("2"), D("4"), D("8")),
        (D(cost_mode) / 2, D(cost_mode), D(cost_mode) * 2),
    )


def risk(
    *,
    id: int = 1,
    stage_number: int = 1,
    likelihood: int = 3,
    impact: int = 3,
    probability: str | None = None,
    delay: tuple[str, str, str] | None = None,
    cost: tuple[str, str, str] | None = None,
    title: str = "Partner withdraws",
) -> RiskPlan:
    return RiskPlan(
        id=id,
        title=title,
        stage_number=stage_number,
        stage_name=f"Stage name {stage_number}",
        likelihood=likelihood,
        impact=impact,
        probability=D(probability) if probability is not None else None,
        delay=tuple(D(v) for v in delay) if delay else None,  # type: ignore[arg-type]
        cost=tuple(D(v) for v in cost) if cost else None,  # type: ignore[arg-type]
    )


# Defaults ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("likelihood", "probability"),
    [(1, "0.05"), (2, "0.2"), (3, "0.4"), (4, "0.65"), (5, "0.9")],
)
def test_default_probability_is_the_middle_of_the_likelihood_band(
    likelihood: int, probability: str
) -> None:
    forecast = risk_forecast(risk(likelihood=likelihood), {1: D(1000)})

    assert forecast.probability == D(probability)
    assert "probability" in forecast.defaults


@pytest.mark.parametrize(
    ("impact", "delay"),
    [
        (1, ("0", "0.5", "1")),
        (2, ("0.5", "1", "2")),
        (3, ("1", "3", "6")),
        (4, ("3", "6", "12")),
        (5, ("6", "12", "26")),
    ],
)
def test_default_delay_in_weeks_follows_the_impact(impact: int, delay: tuple[str, ...]) -> None:
    forecast = risk_forecast(risk(impact=impact), {1: D(1000)})

    assert forecast.delay == tuple(D(v) for v in delay)
    assert "delay" in forecast.defaults


@pytest.mark.parametrize(
    ("impact", "cost"),
    [
        # Shares of a stage whose most likely cost is 10,000.
        (1, ("0.00", "200.00", "500.00")),
        (2, ("200.00", "500.00", "1000.00")),
        (3, ("500.00", "1000.00", "2500.00")),
        (4, ("1000.00", "2500.00", "5000.00")),
        (5, ("2500.00", "5000.00", "10000.00")),
    ],
)
def test_default_cost_is_a_share_of_its_stage_most_likely_cost(
    impact: int, cost: tuple[str, ...]
) -> None:
    # Another, cheaper stage is estimated too: only the risk's own stage counts.
    forecast = risk_forecast(risk(stage_number=3, impact=impact), {1: D(50), 3: D(10_000)})

    assert forecast.cost == tuple(D(v) for v in cost)
    assert "cost" in forecast.defaults


def test_default_cost_falls_back_to_the_average_estimated_stage() -> None:
    # The risk's stage (5) has no estimate; the estimated stages average 2,000.
    forecast = risk_forecast(risk(stage_number=5, impact=3), {1: D(1_000), 2: D(3_000)})

    assert forecast.cost == (D("100.00"), D("200.00"), D("500.00"))


def test_default_cost_from_an_average_is_rounded_to_cents() -> None:
    # 301 / 3 = 100.333...; moderate impact takes 5%, 10% and 25% of it.
    forecast = risk_forecast(risk(stage_number=7, impact=3), {1: D(100), 2: D(100), 3: D(101)})

    assert forecast.cost == (D("5.02"), D("10.03"), D("25.08"))
    assert all(value.as_tuple().exponent == -2 for value in forecast.cost)


def test_default_cost_is_zero_when_no_stage_is_estimated() -> None:
    forecast = risk_forecast(risk(impact=5), {})

    assert forecast.cost == (D(0), D(0), D(0))
    assert forecast.defaults == {"probability", "delay", "cost"}


# Explicit inputs ------------------------------------------------------------------------------


def test_explicit_inputs_override_every_default() -> None:
    plan = risk(
        likelihood=5, impact=5, probability="0.125", delay=("1", "2", "3"), cost=("10", "20", "30")
    )

    forecast = risk_forecast(plan, {1: D(10_000)})

    assert forecast.probability == D("0.125")
    assert forecast.delay == (D(1), D(2), D(3))
    assert forecast.cost == (D(10), D(20), D(30))
    assert forecast.defaults == frozenset()


@pytest.mark.parametrize(
    ("given_inputs", "expected_defaults"),
    [
        ({"probability": "0.3"}, {"delay", "cost"}),
        ({"delay": ("1", "2", "3")}, {"probability", "cost"}),
        ({"cost": ("1", "2", "3")}, {"probability", "delay"}),
        ({"probability": "0.3", "cost": ("1", "2", "3")}, {"delay"}),
    ],
)
def test_defaults_name_exactly_the_inputs_the_team_left_empty(
    given_inputs: dict[str, Any], expected_defaults: set[str]
) -> None:
    forecast = risk_forecast(risk(**given_inputs), {1: D(1_000)})
    assert forecast.defaults == expected_defaults


def test_a_probability_of_zero_is_the_teams_not_a_default() -> None:
    forecast = risk_forecast(risk(likelihood=5, probability="0"), {1: D(1_000)})

    assert forecast.probability == D(0)
    assert "probability" not in forecast.defaults


def test_plan_record_lists_each_risks_defaults_sorted() -> None:
    _, _, record = plan_inputs(
        [stage(1, "1000")], [risk(id=4, probability="0.3"), risk(id=5, delay=("1", "1", "1"))]
    )

    assert [r["defaults"] for r in record["risks"]] == [["cost", "delay"], ["cost", "probability"]]
    assert record["risks"][0]["probability"] == "0.3"
    assert record["risks"][1]["probability"] == "0.4"  # likelihood 3


# The saved record ------------------------------------------------------------------------------


def test_plan_inputs_names_and_converts_stages_and_risks() -> None:
    stages, risks, record = plan_inputs(
        [stage(2, "1000", name="Framing research questions")],
        [risk(id=9, stage_number=4, probability="0.25", delay=("1", "2", "4"))],
    )

    assert stages == [
        StageInput(
            "Stage 2: Framing research questions",
            ThreePoint(2.0, 4.0, 8.0),
            ThreePoint(500.0, 1000.0, 2000.0),
        )
    ]
    # Stage 4 is not estimated, so the default cost is a share of the only estimated stage.
    assert risks == [
        RiskInput(
            "Partner withdraws",
            "Stage 4: Stage name 4",
            0.25,
            ThreePoint(1.0, 2.0, 4.0),
            ThreePoint(50.0, 100.0, 250.0),
        )
    ]
    assert record["stages"][0] == {
        "number": 2,
        "name": "Framing research questions",
        "duration": ["2", "4", "8"],
        "cost": ["500", "1000", "2000"],
    }
    assert record["risks"][0]["stage"] == 4
    assert record["risks"][0]["cost"] == ["50.00", "100.00", "250.00"]


def test_record_round_trips_to_identical_engine_inputs() -> None:
    stages_in = [stage(1, "1234.56"), stage(3, "99.99")]
    risks_in = [
        risk(id=1, stage_number=1, likelihood=2, impact=4),
        risk(id=2, stage_number=6, probability="0.333", delay=("0.1", "0.7", "1.3")),
    ]
    stages, risks, record = plan_inputs(stages_in, risks_in)

    # Saved as JSON in the database, then read back by the worker.
    again = inputs_from_record(json.loads(json.dumps(record)))

    assert again == (stages, risks)


weeks = st.decimals(min_value=0, max_value=9999, places=1, allow_nan=False, allow_infinity=False)
money = st.decimals(min_value=0, max_value=10**12, places=2, allow_nan=False, allow_infinity=False)
probabilities = st.decimals(min_value=0, max_value=1, places=3)


def ordered(values: st.SearchStrategy[Decimal]) -> st.SearchStrategy[tuple[Decimal, ...]]:
    return st.lists(values, min_size=3, max_size=3).map(lambda v: tuple(sorted(v)))


@st.composite
def plans(draw: st.DrawFn) -> tuple[list[StagePlan], list[RiskPlan]]:
    numbers = draw(st.lists(st.integers(1, 7), min_size=1, max_size=7, unique=True))
    stages = [
        StagePlan(n, f"Stage {n}", draw(ordered(weeks)), draw(ordered(money))) for n in numbers
    ]
    risks = [
        RiskPlan(
            id=i,
            title=draw(st.text(min_size=1, max_size=20)),
            stage_number=draw(st.integers(1, 7)),
            stage_name="Somewhere",
            likelihood=draw(st.integers(1, 5)),
            impact=draw(st.integers(1, 5)),
            probability=draw(st.none() | probabilities),
            delay=draw(st.none() | ordered(weeks)),  # type: ignore[arg-type]
            cost=draw(st.none() | ordered(money)),  # type: ignore[arg-type]
        )
        for i in range(draw(st.integers(0, 6)))
    ]
    return stages, risks


@settings(max_examples=150, deadline=None)
@given(plan=plans())
def test_any_plan_round_trips_through_its_json_record(
    plan: tuple[list[StagePlan], list[RiskPlan]],
) -> None:
    stages, risks, record = plan_inputs(*plan)

    assert inputs_from_record(json.loads(json.dumps(record))) == (stages, risks)
    check_inputs(stages, risks, 1)  # and whatever the register holds, the engine accepts it


# Comparing runs --------------------------------------------------------------------------------


def result(duration: tuple[float, ...], cost: tuple[float, ...]) -> dict[str, Any]:
    return {
        "duration": {"percentiles": dict(zip(("10", "50", "80", "90"), duration, strict=True))},
        "cost": {"percentiles": dict(zip(("10", "50", "80", "90"), cost, strict=True))},
    }


def test_compare_reports_every_percentile_change() -> None:
    _, _, record = plan_inputs([stage(1, "1000")], [])

    comparison = compare(
        record,
        result((10, 12, 14, 15), (1000, 1200, 1400, 1500)),
        record,
        result((11, 12, 13.5, 20), (900, 1200, 1500, 1500)),
    )

    assert [(c.percentile, c.earlier, c.later, c.change) for c in comparison.duration] == [
        (10, 10, 11, 1),
        (50, 12, 12, 0),
        (80, 14, 13.5, -0.5),
        (90, 15, 20, 5),
    ]
    assert [c.change for c in comparison.cost] == [-100, 0, 100, 0]
    assert comparison.changes == []  # same inputs


def test_compare_lists_added_removed_and_changed_stages_and_risks() -> None:
    _, _, earlier = plan_inputs(
        [stage(1, "1000", name="Teams"), stage(2, "2000", name="Framing")],
        [
            risk(id=1, title="Ethics delay", probability="0.2"),
            risk(id=2, title="Partner withdraws"),
            risk(id=3, title="Unchanged", probability="0.5", delay=("1", "1", "1")),
        ],
    )
    _, _, later = plan_inputs(
        [
            stage(1, "1000", name="Teams"),
            StagePlan(2, "Framing", (D(3), D(5), D(9)), (D(1000), D(2000), D(4000))),
            stage(3, "500", name="Collecting"),
        ],
        [
            risk(id=1, title="Ethics delay", probability="0.6"),
            risk(id=3, title="Unchanged", probability="0.5", delay=("1", "1", "1")),
            risk(id=4, title="Venue closes", probability="0.1"),
        ],
    )
    # Costs of risk 3 default from stage 1, unchanged; keep them equal to prove it is not listed.
    same = result((1, 2, 3, 4), (1, 2, 3, 4))

    changes = compare(earlier, same, later, same).changes

    assert changes == [
        InputChange(
            "Stage 2: Framing",
            "weeks 2 / 4 / 8; cost 1000 / 2000 / 4000",
            "weeks 3 / 5 / 9; cost 1000 / 2000 / 4000",
        ),
        InputChange(
            "Stage 3: Collecting", "not in the run", "weeks 2 / 4 / 8; cost 250 / 500 / 1000"
        ),
        InputChange(
            "Risk: Ethics delay",
            "probability 0.2; delay 1 / 3 / 6; cost 50.00 / 100.00 / 250.00",
            "probability 0.6; delay 1 / 3 / 6; cost 50.00 / 100.00 / 250.00",
        ),
        InputChange(
            "Risk: Partner withdraws",
            "probability 0.4; delay 1 / 3 / 6; cost 50.00 / 100.00 / 250.00",
            "not in the run",
        ),
        InputChange(
            "Risk: Venue closes",
            "not in the run",
            "probability 0.1; delay 1 / 3 / 6; cost 50.00 / 100.00 / 250.00",
        ),
    ]


# Validation of what the team types -----------------------------------------------------------

any_float = st.one_of(
    st.floats(min_value=-1e9, max_value=1e9),
    st.sampled_from([math.nan, math.inf, -math.inf, 0.0, -0.0]),
)


@st.composite
def triples(draw: st.DrawFn) -> tuple[float, float, float]:
    """Often ordered (a sorted draw), often not, sometimes not a number at all."""
    values = draw(st.lists(any_float, min_size=3, max_size=3))
    if draw(st.booleans()):
        values = sorted(values)
    return values[0], values[1], values[2]


def simulable(triple: tuple[float, float, float]) -> bool:
    low, mode, high = triple
    return all(math.isfinite(v) for v in triple) and 0 <= low <= mode <= high


@settings(max_examples=300, deadline=None)
@given(triple=triples(), which=st.sampled_from(["stage duration", "stage cost", "risk delay"]))
def test_check_inputs_accepts_exactly_the_ordered_non_negative_finite_triples(
    triple: tuple[float, float, float], which: str
) -> None:
    estimate = ThreePoint(*triple)
    fine = ThreePoint(1, 2, 3)
    stages = [
        StageInput(
            "S",
            estimate if which == "stage duration" else fine,
            estimate if which == "stage cost" else fine,
        )
    ]
    risks = [RiskInput("R", "S", 0.5, estimate if which == "risk delay" else fine, fine)]

    if simulable(triple):
        check_inputs(stages, risks, 1)
    else:
        with pytest.raises(InvalidInput):
            check_inputs(stages, risks, 1)


@settings(max_examples=200, deadline=None)
@given(probability=any_float)
def test_check_inputs_accepts_exactly_the_probabilities_from_zero_to_one(
    probability: float,
) -> None:
    fine = ThreePoint(1, 2, 3)
    risks = [RiskInput("R", "S", probability, fine, fine)]

    if 0 <= probability <= 1:
        check_inputs([StageInput("S", fine, fine)], risks, 1)
    else:
        with pytest.raises(InvalidInput, match="between 0 and 1"):
            check_inputs([StageInput("S", fine, fine)], risks, 1)


def field_text(value: Decimal | None) -> str:
    return "" if value is None else str(value)


form_weeks = st.none() | st.decimals(min_value=-50, max_value=9999, places=1)
form_money = st.none() | st.decimals(min_value=-5_000, max_value=10**9, places=2)


@settings(max_examples=200, deadline=None)
@given(
    duration=st.lists(form_weeks, min_size=3, max_size=3),
    cost=st.lists(form_money, min_size=3, max_size=3),
    sort=st.booleans(),
)
def test_stage_estimate_form_is_valid_iff_each_full_triple_is_ordered_and_not_negative(
    duration: list[Decimal | None], cost: list[Decimal | None], sort: bool
) -> None:
    if sort:  # most random triples are out of order; sort half of them to cover the valid case
        duration = sorted(duration, key=lambda v: (v is not None, v))
        cost = sorted(cost, key=lambda v: (v is not None, v))
    data = {
        f"{prefix}_{part}": field_text(value)
        for prefix, values in (("duration", duration), ("cost", cost))
        for part, value in zip(("low", "mode", "high"), values, strict=True)
    }

    form = StageEstimateForm(data)

    def acceptable(values: list[Decimal | None]) -> bool:
        given_values = [v for v in values if v is not None]
        not_negative = all(v >= 0 for v in given_values)
        # A partial triple is the service's to refuse (it needs all six or none).
        full_and_ordered = len(given_values) < 3 or given_values == sorted(given_values)
        return not_negative and full_and_ordered

    assert form.is_valid() == (acceptable(duration) and acceptable(cost)), form.errors


def test_stage_estimate_form_names_the_triple_that_is_out_of_order() -> None:
    form = StageEstimateForm(
        {
            "duration_low": "5",
            "duration_mode": "4",
            "duration_high": "9",
            "cost_low": "100",
            "cost_mode": "200",
            "cost_high": "150",
        }
    )

    assert not form.is_valid()
    assert form.errors["duration_high"] == [
        "The weeks must run optimistic ≤ most likely ≤ pessimistic."
    ]
    assert form.errors["cost_high"] == [
        "The costs must run optimistic ≤ most likely ≤ pessimistic."
    ]


@pytest.mark.django_db  # the form's stage and owner choices come from the database
def test_risk_form_accepts_exactly_probabilities_from_zero_to_one() -> None:
    from coproduce.projects.models import Project
    from tests.factories import make_organisation, make_project, make_user

    organisation = make_organisation()
    project: Project = make_project(
        by=make_user(organisation=organisation), organisation=organisation
    )
    stage_pk = Stage.objects.get(number=2).pk

    @settings(max_examples=100, deadline=None)
    @given(
        probability=st.decimals(min_value=-2, max_value=3, places=3)
        | st.sampled_from([D(0), D(1), D("1.001"), D("-0.001"), D("0.0001")]),
        delay=st.lists(
            st.none() | st.decimals(min_value=-3, max_value=50, places=1), min_size=3, max_size=3
        ),
    )
    def check(probability: Decimal, delay: list[Decimal | None]) -> None:
        data = {
            "title": "Venue closes",
            "stage": str(stage_pk),
            "likelihood": "3",
            "impact": "2",
            "status": "open",
            "probability": str(probability),
            **{
                f"delay_{part}": field_text(value)
                for part, value in zip(("low", "mode", "high"), delay, strict=True)
            },
        }
        form = RiskForm(data, project=project)

        places_ok = probability == probability.quantize(D("0.001"))
        expected = (
            D(0) <= probability <= D(1) and places_ok and all(v is None or v >= 0 for v in delay)
        )
        assert form.is_valid() == expected, form.errors
        if not D(0) <= probability <= D(1):
            assert "probability" in form.errors

    check()


# Progress ------------------------------------------------------------------------------------


def test_simulate_reports_increasing_progress_ending_at_the_total() -> None:
    stages = [StageInput("S", ThreePoint(1, 2, 3), ThreePoint(10, 20, 30))]
    risks = [RiskInput("R", "S", 0.5, ThreePoint(1, 2, 3), ThreePoint(1, 2, 3))]
    iterations = 3 * CHUNK + 5
    calls: list[tuple[int, int]] = []

    simulate(
        stages, risks, iterations=iterations, seed=1, progress=lambda d, t: calls.append((d, t))
    )

    done = [d for d, _ in calls]
    assert done == [CHUNK, 2 * CHUNK, 3 * CHUNK, iterations]
    assert all(total == iterations for _, total in calls)


def test_simulate_reports_once_for_a_run_smaller_than_a_chunk() -> None:
    stages = [StageInput("S", ThreePoint(1, 2, 3), ThreePoint(10, 20, 30))]
    calls: list[tuple[int, int]] = []

    simulate(stages, [], iterations=100, seed=1, progress=lambda d, t: calls.append((d, t)))

    assert calls == [(100, 100)]
