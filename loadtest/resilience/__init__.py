"""Faults under load, per topology: what Gunicorn's process management buys, with nothing lost.

One small class per fault (faults.py), a load driver that records every request (load.py),
the reading of those records (outcome.py), and the check that no stored item was lost (items.py).
"""
