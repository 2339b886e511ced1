"""Monte Carlo forecast of a study's duration and co-production cost. Plain NumPy, no ORM.

Method (also the reference for the forecast page of issue 5, still to come):

- Each stage has three-point estimates (optimistic, most likely, pessimistic) of its duration
  in weeks and its co-production cost. Each risk, tied to a stage, has a probability of
  occurring and three-point estimates of the delay and extra cost it brings when it does.
- Estimates are drawn from a **PERT** distribution by default: a Beta distribution rescaled to
  [optimistic, pessimistic] with shape parameters 1 + 4 (mode - low) / (high - low) and
  1 + 4 (high - mode) / (high - low), whose mean is (low + 4 mode + high) / 6. It weights the
  most likely value more than a triangular distribution does, which suits expert estimates.
  **Triangular** is available too (mean (low + mode + high) / 3).
- An iteration's total duration is the sum of its stage durations and of the delays of the
  risks that occurred; its total cost likewise. Risks are independent of each other and of
  the stages.
- **Tornado**: each input's share of the variance of the total, cov(input, total) / var(total).
  With independent inputs the shares of all stages and risks add up to 1 (up to sampling
  noise), so each bar says how much of the spread that stage or risk drives.
- **Reproducible**: the random numbers come from NumPy's PCG64 generator, one stream for the
  stages and one for the risks, both derived from the given seed, drawn in a fixed order in
  fixed-size chunks, so the same inputs and seed give the same
  result on every machine with the same NumPy. Working in chunks also bounds memory, whatever
  the number of iterations.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from coproduce.risks.estimates import ORDER, in_order

type Distribution = Literal["pert", "triangular"]
type Floats = NDArray[np.float64]

MAX_ITERATIONS = 2_000_000
CHUNK = 8_192  # part of the method: changing it changes which numbers each iteration gets
PERCENTILES = (10, 50, 80, 90)


class InvalidInput(ValueError):
    """Inputs that cannot be simulated, with a message to show as it is."""


@dataclass(frozen=True)
class ThreePoint:
    low: float
    mode: float
    high: float

    def check(self, what: str) -> None:
        values = (self.low, self.mode, self.high)
        if not all(math.isfinite(v) for v in values):
            raise InvalidInput(f"{what}: every estimate must be a number.")
        if self.low < 0:
            raise InvalidInput(f"{what}: the optimistic estimate cannot be negative.")
        if not in_order(self.low, self.mode, self.high):
            raise InvalidInput(
                f"{what}: estimates must run {ORDER} "
                f"(got {self.low:g}, {self.mode:g}, {self.high:g})."
            )

    def mean(self, distribution: Distribution) -> float:
        if distribution == "pert":
            return (self.low + 4 * self.mode + self.high) / 6
        return (self.low + self.mode + self.high) / 3


@dataclass(frozen=True)
class StageInput:
    name: str
    duration: ThreePoint
    cost: ThreePoint


@dataclass(frozen=True)
class RiskInput:
    name: str
    stage: str  # the stage it belongs to, for the register and reports; it need not be estimated
    probability: float
    delay: ThreePoint
    cost: ThreePoint


@dataclass(frozen=True)
class Outcome:
    """The simulated distribution of one total (weeks or money)."""

    percentiles: dict[int, float]
    mean: float
    histogram: tuple[list[int], list[float]]  # counts, bin edges
    s_curve: list[tuple[float, float]]  # (value, share of iterations at or below it)


@dataclass(frozen=True)
class SimulationResult:
    iterations: int
    seed: int
    distribution: Distribution
    duration: Outcome
    cost: Outcome
    # (input name, share of the variance of the total duration, ... of the total cost)
    tornado: list[tuple[str, float, float]]
    capped: bool  # the iterations asked for were more than MAX_ITERATIONS


def check_inputs(stages: Sequence[StageInput], risks: Sequence[RiskInput], iterations: int) -> None:
    if not stages:
        raise InvalidInput("Add at least one stage with its estimates before simulating.")
    if iterations < 1:
        raise InvalidInput("Run at least one iteration.")
    for stage in stages:
        stage.duration.check(f"{stage.name}, duration")
        stage.cost.check(f"{stage.name}, cost")
    for risk in risks:
        if not 0 <= risk.probability <= 1 or math.isnan(risk.probability):
            raise InvalidInput(f"{risk.name}: the probability must be between 0 and 1.")
        risk.delay.check(f"{risk.name}, delay")
        risk.cost.check(f"{risk.name}, cost")


def draw(
    rng: np.random.Generator, estimates: Sequence[ThreePoint], n: int, distribution: Distribution
) -> Floats:
    """An n x len(estimates) matrix of draws, one column per estimate, vectorised."""
    columns = np.tile(np.arange(len(estimates)), n)
    result: Floats = draw_at(rng, _bounds(estimates), columns, distribution).reshape(
        n, len(estimates)
    )
    return result


type Bounds = tuple[Floats, Floats, Floats]


def _bounds(estimates: Sequence[ThreePoint]) -> Bounds:
    return (
        np.array([e.low for e in estimates], dtype=np.float64),
        np.array([e.mode for e in estimates], dtype=np.float64),
        np.array([e.high for e in estimates], dtype=np.float64),
    )


def draw_at(
    rng: np.random.Generator, bounds: Bounds, columns: NDArray[np.intp], distribution: Distribution
) -> Floats:
    """One draw for each entry of `columns`, from the estimate that column names."""
    low, mode, high = (values[columns] for values in bounds)
    span = high - low
    flat = span == 0
    safe = np.where(flat, 1.0, span)
    if distribution == "pert":
        unit = rng.beta(1 + 4 * (mode - low) / safe, 1 + 4 * (high - mode) / safe)
    else:
        # Inverse transform of the triangular distribution.
        c = np.where(flat, 0.5, (mode - low) / safe)
        u = rng.random(len(columns))
        unit = np.where(u < c, np.sqrt(u * c), 1 - np.sqrt((1 - u) * (1 - c)))
    result: Floats = low + unit * span
    return result


def simulate(
    stages: Sequence[StageInput],
    risks: Sequence[RiskInput],
    *,
    iterations: int,
    seed: int,
    distribution: Distribution = "pert",
    progress: Callable[[int, int], None] | None = None,
) -> SimulationResult:
    """Run the forecast. `progress(done, total)` is called after each chunk of iterations."""
    check_inputs(stages, risks, iterations)
    capped = iterations > MAX_ITERATIONS
    iterations = min(iterations, MAX_ITERATIONS)
    # Separate streams for the stages and the risks, so that adding a risk never changes the
    # numbers the stages get: with every risk at probability 0, the forecast is the stage-only
    # one exactly.
    stage_rng, risk_rng = (
        np.random.Generator(np.random.PCG64(child))
        for child in np.random.SeedSequence(seed).spawn(2)
    )
    probability = np.array([r.probability for r in risks], dtype=np.float64)
    inputs = len(stages) + len(risks)
    delay_bounds = _bounds([r.delay for r in risks])
    cost_bounds = _bounds([r.cost for r in risks])
    totals = np.empty((2, iterations), dtype=np.float64)
    # Running sums for each input's covariance with each total.
    sums = np.zeros((2, inputs))
    cross = np.zeros((2, inputs))
    done = 0
    while done < iterations:
        n = min(CHUNK, iterations - done)
        duration = draw(stage_rng, [s.duration for s in stages], n, distribution)
        cost = draw(stage_rng, [s.cost for s in stages], n, distribution)
        if risks:
            # Impacts are drawn only where a risk occurs: at the usual probabilities that is a
            # fraction of the draws, and the draws are most of the work.
            rows, columns = np.nonzero(risk_rng.random((n, len(risks))) < probability)
            delay = np.zeros((n, len(risks)))
            extra = np.zeros((n, len(risks)))
            delay[rows, columns] = draw_at(risk_rng, delay_bounds, columns, distribution)
            extra[rows, columns] = draw_at(risk_rng, cost_bounds, columns, distribution)
            duration_inputs = np.concatenate([duration, delay], axis=1)
            cost_inputs = np.concatenate([cost, extra], axis=1)
        else:
            duration_inputs, cost_inputs = duration, cost
        for which, matrix in enumerate((duration_inputs, cost_inputs)):
            total = matrix.sum(axis=1)
            totals[which, done : done + n] = total
            sums[which] += matrix.sum(axis=0)
            cross[which] += total @ matrix
        done += n
        if progress is not None:
            progress(done, iterations)
    # A risk's delay and cost add to the study's totals; its stage is for the register, the
    # stage reviews and the reports.
    names = [s.name for s in stages] + [r.name for r in risks]
    shares = [_variance_shares(totals[w], sums[w], cross[w], iterations) for w in (0, 1)]
    tornado = sorted(
        zip(names, shares[0], shares[1], strict=True),
        key=lambda row: -max(abs(row[1]), abs(row[2])),
    )
    return SimulationResult(
        iterations=iterations,
        seed=seed,
        distribution=distribution,
        duration=_outcome(totals[0]),
        cost=_outcome(totals[1]),
        tornado=[(name, float(d), float(c)) for name, d, c in tornado],
        capped=capped,
    )


def _variance_shares(total: Floats, sums: Floats, cross: Floats, n: int) -> Floats:
    variance = float(total.var())
    if variance == 0:
        return np.zeros_like(sums)
    covariance = cross / n - (sums / n) * float(total.mean())
    shares: Floats = covariance / variance
    return shares


def _outcome(total: Floats) -> Outcome:
    values = np.percentile(total, PERCENTILES)
    counts, edges = np.histogram(total, bins=30)
    ordered = np.sort(total)
    points = np.linspace(0, len(ordered) - 1, num=min(101, len(ordered))).astype(np.intp)
    return Outcome(
        percentiles={p: float(v) for p, v in zip(PERCENTILES, values, strict=True)},
        mean=float(total.mean()),
        histogram=([int(c) for c in counts], [float(e) for e in edges]),
        s_curve=[(float(ordered[i]), (i + 1) / len(ordered)) for i in points],
    )
