"""How positions move: dynamic models of a negotiation over rounds.

- :mod:`explorer.dynamics.inputs` — a scenario as the models' arrays, on each issue's own scale;
- :mod:`explorer.dynamics.bdm` — Bueno de Mesquita's expected-utility challenge model, as
  specified by Scholz, Calbert & Smith (2011);
- :mod:`explorer.dynamics.exchange` — the Stokman / van Oosten equal-gain exchange model
  (the DECIDE model);
- :mod:`explorer.dynamics.forecast` — ``forecast(scenario, model, rounds)``, the facade.

Every rule is written out in ``docs/dynamics.md``. The core imports no plotting or widgets.
"""
