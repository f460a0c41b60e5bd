"""The DEU III backtest: every predictor of the project on real EU decisions with known outcomes.

Facade: :func:`explorer.backtest.results.backtest`; choices and results in ``docs/backtest.md``.
"""
