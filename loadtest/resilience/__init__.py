"""Faults under load, per topology: what Gunicorn's process management buys, with nothing lost.

The matrix of faults x topologies, each on a fresh copy of the bundle (matrix.py); one small class
per fault (faults.py); what they watch inside the app container (probes.py); a load driver that
records every request (load.py), the reading of those records (outcome.py), and the check that no
stored item was lost or duplicated (integrity.py).
"""
