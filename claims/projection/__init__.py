"""Refund projections: the method (method.py, pure), the history it reads (history.py), the snapshots kept
to check it against what arrived (models.py, services.py) and their beat tasks (tasks.py)."""
