"""Putting the guards into a standalone Voila server.

The only hook a ``voila.json`` gives into Voila (0.5.13) that sees every request is the
kernel manager class: :class:`~explorer.app.serving.capacity.CapacityKernelManager` calls
:func:`install` with the Voila application when Voila builds it (``init_settings``), before
Voila builds its handlers and starts listening (``Voila.start``). :func:`install` then:

* swaps three of Voila's handlers (:func:`gate_handlers`): the page handler for
  :class:`~explorer.app.serving.pages.CapacityVoilaHandler` (the capacity gate), the kernel
  websocket for :class:`~explorer.app.serving.guard.GuardedKernelWebsocketHandler` and the
  preheated kernels' ``voila/query`` websocket for its bounded version, and adds the session
  status endpoint (:mod:`explorer.app.serving.session`) and the health endpoint for load
  balancers (:mod:`explorer.app.serving.health`);
* bounds what one HTTP request may make the server read (:data:`HTTP_LIMITS`: Voila listens
  with tornado's defaults, which read request bodies of up to 100 MB into memory);
* starts the memory watches (:mod:`explorer.app.serving.memory`).

Anything but a standalone Voila app (the Jupyter server extension, a test's manager) is left alone.
"""

from __future__ import annotations

from tornado.ioloop import PeriodicCallback
from voila.request_info_handler import RequestInfoSocketHandler
from voila.tornado.handler import TornadoVoilaHandler
from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler

from explorer.app.paths import SESSION_URL
from explorer.app.serving.guard import ConnectionCounter, GuardedKernelWebsocketHandler, GuardedRequestInfoHandler
from explorer.app.serving.briefing import BRIEFING_URL, BriefingHandler, shared_cache
from explorer.app.serving.health import HEALTH_URL, HealthHandler
from explorer.app.serving.memory import ServerCeiling
from explorer.app.serving.pages import CapacityVoilaHandler
from explorer.app.serving.session import SessionStatusHandler

SESSION_PATH = "/" + SESSION_URL + r"(\w+-\w+-\w+-\w+-\w+)"
#: What tornado's HTTP server may read of one request (Voila passes none of these; tornado's
#: defaults: 100 MB bodies, an hour of keep-alive, no body timeout). No page posts more than a
#: few KB (the beacon that shuts a closed page's kernel down); websocket messages are bounded
#: apart (ConnectionLimits.max_message_bytes) and must fit in the read buffer.
HTTP_LIMITS = {"max_body_size": 64 * 1024, "max_buffer_size": 16 * 1024 * 1024,
               "idle_connection_timeout": 300, "body_timeout": 60}


def gate_handlers(handlers: list, websocket_args: dict | None = None, session_args: dict | None = None,
                  health_args: dict | None = None) -> list:
    """Voila's handler rules with the page handler and the kernel websocket replaced (see above).

    ``websocket_args`` are the guarded websocket's (``limits``, ``counter``); without them the
    websocket rule is left as it is. With ``session_args`` (``ended``) the session status
    endpoint, and with ``health_args`` (``manager``) the health endpoint and the default scenario's
    briefing (:mod:`explorer.app.serving.briefing`), are added beside
    the websocket's rule (so under the same base URL).
    """
    gated = []
    for rule in handlers:
        if isinstance(rule, tuple) and len(rule) >= 2 and rule[1] is TornadoVoilaHandler:
            rule = (rule[0], CapacityVoilaHandler, *rule[2:])
        elif isinstance(rule, tuple) and len(rule) == 2 and rule[1] is RequestInfoSocketHandler:
            rule = (rule[0], GuardedRequestInfoHandler)
        elif (isinstance(rule, tuple) and len(rule) == 2 and rule[1] is VoilaKernelWebsocketHandler
              and websocket_args is not None):
            base = rule[0].split("/api/kernels/")[0]
            if session_args is not None:
                gated.append((base + SESSION_PATH, SessionStatusHandler, session_args))
            if health_args is not None:
                gated.append((base + "/" + HEALTH_URL, HealthHandler, health_args))
                gated.append((base + "/" + BRIEFING_URL, BriefingHandler, {"cache": shared_cache()}))
            rule = (rule[0], GuardedKernelWebsocketHandler, websocket_args)
        gated.append(rule)
    return gated


def install(app, manager) -> None:
    """Guard a Voila application whose kernel manager is ``manager`` (see the module's docstring)."""
    try:
        from voila.app import Voila
    except ImportError:  # pragma: no cover - voila is what runs this module
        return
    if not isinstance(app, Voila) or getattr(app, "_explorer_guards", False):
        return
    app._explorer_guards = True
    build = app.init_handlers
    websocket_args = {"limits": manager.connection_limits, "counter": ConnectionCounter()}
    session_args = {"ended": manager.ended}
    health_args = {"manager": manager}
    shared_cache().log = app.log

    def init_handlers():
        handlers = build()
        gated = gate_handlers(handlers, websocket_args, session_args, health_args)
        replaced = {rule[1] for rule in gated if isinstance(rule, tuple) and len(rule) >= 2}
        if CapacityVoilaHandler not in replaced:
            app.log.error("No Voila page handler found to put behind the capacity gate: kernels are NOT capped.")
        if GuardedKernelWebsocketHandler not in replaced:
            app.log.error("No Voila kernel websocket found to guard: messages are NOT checked.")
        bound_requests(app.app)
        start_memory_watch(app, manager)
        return gated

    app.init_handlers = init_handlers
    voila_configuration = app.voila_configuration
    pool = max(voila_configuration.default_pool_size, 0) if voila_configuration.preheat_kernel else 0
    if 0 < manager.max_kernels <= pool:
        app.log.warning("max_kernels (%d) is not above the kernel pool (%d): every viewer will be refused.",
                        manager.max_kernels, pool)
    app.log.info("At most %s kernels (pool of %d included); more viewers get a 'try again' page.",
                 manager.max_kernels if manager.max_kernels > 0 else "unlimited", pool)


def bound_requests(tornado_app) -> None:
    """Make ``tornado_app.listen`` start its HTTP server with :data:`HTTP_LIMITS` (Voila calls it bare)."""
    listen = tornado_app.listen

    def listen_with_limits(port, address="", **kwargs):
        return listen(port, address, **{**HTTP_LIMITS, **kwargs})

    tornado_app.listen = listen_with_limits


def start_memory_watch(app, manager) -> None:
    """The kernels (dead ones, their memory) every ``check_interval`` s on the event loop; the server's
    memory from a thread."""
    limits = manager.memory_limits
    watch = PeriodicCallback(manager.watch_kernels, limits.check_interval * 1000)  # dead kernels, then memory
    watch.start()
    manager.memory_watch = watch
    if limits.server_memory_limit > 0:
        manager.ceiling = ServerCeiling(limits, log=app.log)
        manager.ceiling.start()
    app.log.info("Memory limits: %s per kernel, %s for the server.",
                 f"{limits.kernel_memory_limit} MB" if limits.kernel_memory_limit > 0 else "none",
                 f"{limits.server_memory_limit} MB" if limits.server_memory_limit > 0 else "none")
