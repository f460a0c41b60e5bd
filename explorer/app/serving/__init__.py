"""Serving the dashboard to a room, safely: what runs inside the Voila server process.

No widget or plotting imports. The parts:

* :mod:`.capacity` — :class:`CapacityKernelManager`, Voila's kernel manager class
  (``voila.json``): a cap on kernels, culling that spares open pages, the per-kernel memory
  limit, bounded replay buffers; it installs the rest (:mod:`.install`).
* :mod:`.pages` — the capacity gate on the page handler ("try again in a minute", 503).
* :mod:`.guard`, :mod:`.frames`, :mod:`.limits` — the kernel websocket: v1 only, every frame read
  with bounds, messages metered (docs/security.md).
* :mod:`.memory` — the kernels' and the server's memory limits.
* :mod:`.session` — ``explorer/session/<kernel id>``: what became of a page's session.
* :mod:`.supervisor` — ``explorer dashboard``'s clean stop, and its restart after the memory ceiling.
"""

from explorer.app.serving.capacity import DEFAULT_MAX_KERNELS, KERNEL_MANAGER, CapacityKernelManager, Load, admits
from explorer.app.serving.frames import V1_PROTOCOL, FrameError, read_frame
from explorer.app.serving.guard import GuardedKernelWebsocketHandler
from explorer.app.serving.install import HTTP_LIMITS, gate_handlers, install
from explorer.app.serving.limits import ConnectionLimits, TokenBucket
from explorer.app.serving.memory import EXIT_MEMORY, MemoryLimits, ServerCeiling
from explorer.app.serving.pages import CAPACITY_MESSAGE, CAPACITY_PAGE, RETRY_AFTER, CapacityVoilaHandler
from explorer.app.serving.session import EndedKernels
from explorer.app.serving.supervisor import STOP_SIGNALS, descendants, kill_leftovers, supervise

__all__ = [
    "CAPACITY_MESSAGE", "CAPACITY_PAGE", "DEFAULT_MAX_KERNELS", "EXIT_MEMORY", "HTTP_LIMITS", "KERNEL_MANAGER",
    "RETRY_AFTER", "STOP_SIGNALS", "V1_PROTOCOL", "CapacityKernelManager", "CapacityVoilaHandler",
    "ConnectionLimits", "EndedKernels", "FrameError", "GuardedKernelWebsocketHandler", "Load", "MemoryLimits",
    "ServerCeiling", "TokenBucket", "admits", "descendants", "gate_handlers", "install", "kill_leftovers",
    "read_frame", "supervise",
]
