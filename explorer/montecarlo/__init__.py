"""Monte Carlo over the coding uncertainty: draws (``draws.py``) and their results (``results.py``)."""
