"""Load-test harness, grouped by where the code runs: generator/ (inside the generator image),
bundle/ (the running bundle's drivers), and on the host runner/, resilience/, report/, results/."""
