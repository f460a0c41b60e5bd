"""What it would take: every feasible set of concessions (``sets.py``) searched exactly for
the cheapest deals (``search.py``)."""
