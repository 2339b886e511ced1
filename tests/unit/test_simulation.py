"""The Monte Carlo forecast against independent computations: closed-form means, the
stage-only forecast, certain risks, reproducibility, and input validation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coproduce.risks.simulation import (
    MAX_ITERATIONS,
    InvalidInput,
    RiskInput,
    StageInput,
    ThreePoint,
    draw,
    simulate,
)

STAGES = [
    StageInput("Framing", ThreePoint(2, 4, 9), ThreePoint(500, 1_000, 3_000)),
    StageInput("Collecting", ThreePoint(8, 12, 20), ThreePoint(2_000, 4_000, 9_000)),
    StageInput("Analysing", ThreePoint(4, 6, 10), ThreePoint(1_000, 1_500, 2_500)),
]
RISKS = [
    RiskInput(
        "Partner withdraws", "Collecting", 0.3, ThreePoint(2, 4, 8), ThreePoint(500, 1_000, 2_000)
    ),
    RiskInput("Ethics delay", "Designing", 0.5, ThreePoint(1, 2, 6), ThreePoint(0, 100, 300)),
]


def pert_sd(t: ThreePoint) -> float:
    # Standard deviation of the PERT (scaled Beta) distribution, from its shape parameters.
    span = t.high - t.low
    a = 1 + 4 * (t.mode - t.low) / span
    b = 1 + 4 * (t.high - t.mode) / span
    return span * math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))


def triangular_sd(t: ThreePoint) -> float:
    a, c, b = t.low, t.mode, t.high
    return math.sqrt((a * a + b * b + c * c - a * b - a * c - b * c) / 18)


@pytest.mark.parametrize(("distribution", "sd"), [("pert", pert_sd), ("triangular", triangular_sd)])
@pytest.mark.parametrize(
    "estimate", [ThreePoint(2, 4, 9), ThreePoint(0, 10, 10), ThreePoint(1, 1, 30)]
)
def test_sample_means_match_the_closed_forms(
    distribution: str, sd: object, estimate: ThreePoint
) -> None:
    n = 200_000
    sample = draw(np.random.Generator(np.random.PCG64(7)), [estimate], n, distribution)[:, 0]  # type: ignore[arg-type]

    # Five standard errors: a false failure about once in two million runs.
    tolerance = 5 * sd(estimate) / math.sqrt(n)  # type: ignore[operator]
    assert abs(sample.mean() - estimate.mean(distribution)) < tolerance  # type: ignore[arg-type]
    assert sample.min() >= estimate.low and sample.max() <= estimate.high


def test_a_flat_estimate_is_always_its_value() -> None:
    sample = draw(np.random.Generator(np.random.PCG64(1)), [ThreePoint(3, 3, 3)], 1000, "pert")
    assert np.all(sample == 3)


def test_risk_impact_means_match_probability_times_mean_impact() -> None:
    stages = [StageInput("Only", ThreePoint(1, 1, 1), ThreePoint(0, 0, 0))]
    risk = RiskInput("Risk", "Only", 0.25, ThreePoint(2, 4, 9), ThreePoint(0, 0, 0))
    result = simulate(stages, [risk], iterations=200_000, seed=3)

    expected = 1 + 0.25 * risk.delay.mean("pert")
    # The delay is a mixture: its variance is p E[X^2] - (p E[X])^2.
    second = pert_sd(risk.delay) ** 2 + risk.delay.mean("pert") ** 2
    sd = math.sqrt(0.25 * second - (0.25 * risk.delay.mean("pert")) ** 2)
    assert abs(result.duration.mean - expected) < 5 * sd / math.sqrt(200_000)


def test_risks_that_never_occur_give_the_stage_only_forecast() -> None:
    never = [RiskInput(r.name, r.stage, 0.0, r.delay, r.cost) for r in RISKS]

    with_risks = simulate(STAGES, never, iterations=20_000, seed=11)
    stages_only = simulate(STAGES, [], iterations=20_000, seed=11)

    assert with_risks.duration.percentiles == stages_only.duration.percentiles
    assert with_risks.cost.percentiles == stages_only.cost.percentiles


def test_a_certain_risk_always_adds_its_impact() -> None:
    certain = RiskInput("Certain", "Only", 1.0, ThreePoint(5, 5, 5), ThreePoint(700, 700, 700))

    with_risk = simulate(STAGES, [certain], iterations=20_000, seed=5)
    without = simulate(STAGES, [], iterations=20_000, seed=5)

    for p, value in without.duration.percentiles.items():
        assert with_risk.duration.percentiles[p] == pytest.approx(value + 5)
        assert with_risk.cost.percentiles[p] == pytest.approx(without.cost.percentiles[p] + 700)


def test_the_same_seed_gives_identical_results_and_another_seed_does_not() -> None:
    first = simulate(STAGES, RISKS, iterations=30_000, seed=2019)
    again = simulate(STAGES, RISKS, iterations=30_000, seed=2019)
    other = simulate(STAGES, RISKS, iterations=30_000, seed=2020)

    assert first == again
    assert first.duration.percentiles != other.duration.percentiles


def test_percentiles_rise_and_the_s_curve_ends_at_everyone() -> None:
    result = simulate(STAGES, RISKS, iterations=10_000, seed=1, distribution="triangular")

    for outcome in (result.duration, result.cost):
        values = [outcome.percentiles[p] for p in (10, 50, 80, 90)]
        assert values == sorted(values)
        assert outcome.s_curve[-1][1] == 1.0
        assert sum(outcome.histogram[0]) == 10_000


def test_tornado_shares_add_up_to_one_and_rank_the_biggest_driver_first() -> None:
    result = simulate(STAGES, RISKS, iterations=100_000, seed=9)

    assert sum(d for _, d, _ in result.tornado) == pytest.approx(1, abs=0.02)
    assert sum(c for _, _, c in result.tornado) == pytest.approx(1, abs=0.02)
    assert result.tornado[0][0] == "Collecting"  # the widest stage drives the spread


def test_absurd_iteration_counts_are_capped_and_say_so() -> None:
    stages = [StageInput("Only", ThreePoint(1, 2, 3), ThreePoint(1, 2, 3))]
    result = simulate(stages, [], iterations=MAX_ITERATIONS + 1, seed=1)
    assert result.capped and result.iterations == MAX_ITERATIONS


@pytest.mark.parametrize(
    ("stages", "risks", "message"),
    [
        ([], [], "at least one stage"),
        ([StageInput("S", ThreePoint(5, 4, 9), ThreePoint(0, 0, 0))], [], "optimistic ≤"),
        ([StageInput("S", ThreePoint(1, 2, 3), ThreePoint(-1, 0, 1))], [], "cannot be negative"),
        (
            STAGES,
            [RiskInput("R", "Only", 1.5, ThreePoint(1, 1, 1), ThreePoint(0, 0, 0))],
            "between 0 and 1",
        ),
        (
            STAGES,
            [RiskInput("R", "S", 0.5, ThreePoint(3, 1, 1), ThreePoint(0, 0, 0))],
            "R, delay: estimates must run",
        ),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(
    stages: list[StageInput], risks: list[RiskInput], message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        simulate(stages, risks, iterations=10, seed=1)


finite = st.one_of(
    st.floats(min_value=-1e6, max_value=1e6),
    st.sampled_from([math.nan, math.inf, -math.inf]),
)


@settings(max_examples=200, deadline=None)
@given(low=finite, mode=finite, high=finite, probability=finite)
def test_validation_accepts_exactly_the_simulable_inputs(
    low: float, mode: float, high: float, probability: float
) -> None:
    estimate = ThreePoint(low, mode, high)
    valid = (
        all(math.isfinite(v) for v in (low, mode, high))
        and 0 <= low <= mode <= high
        and 0 <= probability <= 1
    )
    stages = [StageInput("S", estimate, estimate)]
    risks = [RiskInput("R", "Only", probability, estimate, estimate)]
    if valid:
        result = simulate(stages, risks, iterations=50, seed=0)
        assert low <= result.duration.percentiles[10] <= 2 * high + 1e-9
    else:
        with pytest.raises(InvalidInput):
            simulate(stages, risks, iterations=50, seed=0)
