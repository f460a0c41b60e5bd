"""Sensitivity: which coded stance each figure hangs on (one-at-a-time tornado and Sobol' indices).

Facade: :func:`explorer.sensitivity.results.sensitivity`; rules in ``docs/model.md``, *Sensitivity*.
"""
