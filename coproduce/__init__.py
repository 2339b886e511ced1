"""coproduce: plan, cost, govern and evaluate co-produced research."""
