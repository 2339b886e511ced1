"""`python -m bench.simulation`: the Monte Carlo forecast at 100,000 iterations x 7 stages x
100 risks, against a bare NumPy kernel that draws the same random numbers and sums them.

Prints the median time of each, their ratio, and the extra memory the forecast needed at its
peak (tracemalloc: NumPy reports its arrays to it). Targets: at most 1 s, at most 64 MiB, and
at most twice the bare kernel.
"""

from __future__ import annotations

import statistics
import time
import tracemalloc
from collections.abc import Callable

import numpy as np

from coproduce.risks.simulation import CHUNK, RiskInput, StageInput, ThreePoint, simulate

ITERATIONS = 100_000


def inputs() -> tuple[list[StageInput], list[RiskInput]]:
    rng = np.random.default_rng(2019)
    stages = [
        StageInput(f"Stage {n + 1}", ThreePoint(2, 4, 9), ThreePoint(500, 1_000, 3_000))
        for n in range(7)
    ]
    risks = []
    for n in range(100):
        low = float(rng.uniform(0, 2))
        risks.append(
            RiskInput(
                f"Risk {n + 1}",
                f"Stage {n % 7 + 1}",
                float(rng.uniform(0.05, 0.6)),
                ThreePoint(low, low + 1, low + 4),
                ThreePoint(100 * low, 100 * low + 200, 100 * low + 900),
            )
        )
    return stages, risks


def bare_kernel(stages: int, probability: np.ndarray) -> None:  # type: ignore[type-arg]
    """The floor: as many random numbers in the same chunks (Beta draws for every stage
    estimate, a uniform for each risk in each iteration, Beta draws for the impacts of the
    risks that occur), summed, with nothing else."""
    risks = len(probability)
    children = np.random.SeedSequence(1).spawn(2)
    stage_rng, risk_rng = (np.random.Generator(np.random.PCG64(c)) for c in children)
    total = np.zeros(ITERATIONS)
    done = 0
    while done < ITERATIONS:
        n = min(CHUNK, ITERATIONS - done)
        part = stage_rng.beta(2.0, 3.0, size=(n, stages)).sum(axis=1)
        part += stage_rng.beta(2.0, 3.0, size=(n, stages)).sum(axis=1)
        rows, _ = np.nonzero(risk_rng.random((n, risks)) < probability)
        for _impact in range(2):  # delay, then cost, where the risk occurs
            np.add.at(part, rows, risk_rng.beta(2.0, 3.0, size=len(rows)))
        total[done : done + n] = part
        done += n


def median_seconds(call: Callable[[], object], repeat: int = 5) -> float:
    call()
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def main() -> None:
    stages, risks = inputs()
    forecast = median_seconds(lambda: simulate(stages, risks, iterations=ITERATIONS, seed=1))
    probability = np.array([r.probability for r in risks])
    floor = median_seconds(lambda: bare_kernel(len(stages), probability))
    tracemalloc.start()
    result = simulate(stages, risks, iterations=ITERATIONS, seed=1)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    ratio = forecast / floor
    print(f"forecast: {ITERATIONS:,} iterations x {len(stages)} stages x {len(risks)} risks")
    print(f"  median {forecast:.3f} s; bare kernel {floor:.3f} s; ratio {ratio:.2f}")
    print(f"  peak extra memory {peak:.1f} MiB")
    print(
        f"  P50/P80/P90 duration {result.duration.percentiles[50]:.1f} / "
        f"{result.duration.percentiles[80]:.1f} / {result.duration.percentiles[90]:.1f} weeks"
    )
    verdict = {True: "met", False: "NOT MET"}
    print(
        f"targets: at most 1 s {verdict[forecast <= 1]}; at most 64 MiB {verdict[peak <= 64]}; "
        f"at most twice the kernel {verdict[ratio <= 2]}"
    )


if __name__ == "__main__":
    main()
