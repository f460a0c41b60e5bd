"""``GET <base_url>healthz``: whether this server takes new viewers, for load balancers and probes.

A balancer (HAProxy's ``option httpchk``, a Kubernetes readiness probe) asks it every few
seconds; the answer costs no kernel and no page, and is a small JSON object::

    200 {"accepting": true,  "kernels": 3,  "max_kernels": 32, "memory_ok": true}
    503 {"accepting": false, "kernels": 32, "max_kernels": 32, "memory_ok": true}

``accepting`` is exactly the capacity gate's answer for a new viewer
(:meth:`~explorer.app.serving.capacity.CapacityKernelManager.accepting`): below the kernel
cap and below the soft share of the server's memory ceiling. A full server answers 503, so
a balancer sends new viewers elsewhere while the pages already open keep their websockets
(HAProxy's cookie stickiness and ingress-nginx's cookie affinity keep routing them here).
A liveness check must not read 503 as "dead": a full server is alive (see docs/deploy.md).
"""

from __future__ import annotations

import json

from tornado import web

HEALTH_URL = "healthz"


def health(manager) -> tuple[int, dict]:
    """The HTTP status and JSON body for a kernel manager.

    >>> class Full:
    ...     max_kernels = 2
    ...     def accepting(self): return False
    ...     def load(self): return type("Load", (), {"total": 2})()
    ...     memory_ok = True
    >>> health(Full())
    (503, {'accepting': False, 'kernels': 2, 'max_kernels': 2, 'memory_ok': True})
    """
    accepting = bool(manager.accepting())
    body = {"accepting": accepting, "kernels": manager.load().total, "max_kernels": manager.max_kernels,
            "memory_ok": bool(manager.memory_ok)}
    return (200 if accepting else 503), body


class HealthHandler(web.RequestHandler):
    """``GET``/``HEAD`` ``<base_url>healthz`` (see the module's docstring)."""

    def initialize(self, manager):
        self.manager = manager

    def _answer(self, with_body: bool) -> None:
        status, body = health(self.manager)
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        if status == 503:
            self.set_header("Retry-After", "60")
        self.finish(json.dumps(body) if with_body else None)

    def get(self) -> None:
        self._answer(with_body=True)

    def head(self) -> None:
        self._answer(with_body=False)
