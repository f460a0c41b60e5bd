# syntax=docker/dockerfile:1
# The dashboard as an image: `explorer dashboard` (Voila, a kernel per open page, capped) over
# the scenario files in /srv/scenarios, on port 8866, as an unprivileged user.
#
#   docker build -t negotiation-explorer .
#   docker run --rm -p 8866:8866 negotiation-explorer                   # the repository's scenarios
#   docker run --rm -p 8866:8866 -v "$PWD/my-scenarios:/srv/scenarios:ro" negotiation-explorer
#   docker stop --time 30 CONTAINER      # SIGTERM: Voila and every kernel stop within ~10 s
#
# Binder does not use this file: repo2docker builds binder/ (runtime.txt: python-3.11,
# requirements.txt: the pins of constraints.txt, postBuild: the package). This image follows
# the same environment — Python 3.11 and constraints.txt — but installs the built wheel (its
# `ui` extra), as `explorer dashboard` runs anywhere. docs/deploy.md says how to run it on
# Kubernetes (deploy/kubernetes/) and how to size it.

# --- build: the project's wheel (the notebook and voila.json ship inside it as package data)
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY explorer/ explorer/
RUN python -m pip wheel --no-cache-dir --no-deps --wheel-dir /dist .

# --- run
FROM python:3.11-slim

# tini as PID 1: it hands SIGTERM to `explorer dashboard` (which stops Voila and its kernels)
# and reaps any process orphaned on the way; a Python program as PID 1 would leave orphaned
# kernels as zombies.
RUN apt-get update \
    && apt-get install -y --no-install-recommends tini \
    && rm -rf /var/lib/apt/lists/*

# The wheel and its `ui` extra, every version pinned by constraints.txt, in a virtual
# environment owned by root (the user that runs the dashboard cannot change it). pip takes no
# glob: the shell expands the wheel's name before `[ui]` is appended.
RUN --mount=type=bind,from=build,source=/dist,target=/tmp/dist \
    --mount=type=bind,source=constraints.txt,target=/tmp/constraints.txt \
    python -m venv /opt/explorer \
    && /opt/explorer/bin/pip install --no-cache-dir --disable-pip-version-check \
        -c /tmp/constraints.txt "$(ls /tmp/dist/negotiation_explorer-*.whl)[ui]"

# The scenarios the dashboard lists: the repository's own by default. Mount a folder (or, on
# Kubernetes, a ConfigMap) over /srv/scenarios to serve others; the dashboard reads the folder
# again whenever a page opens and never writes to it, so it may be read-only. No VOLUME line:
# it would give every container an anonymous volume holding a stale copy of these files.
COPY data/scenarios/ /srv/scenarios/

# A user with a home of its own (Jupyter's runtime files, IPython's profile). Numeric in USER,
# so Kubernetes' runAsNonRoot can check it is not root (it cannot check a name).
RUN groupadd --gid 1000 explorer \
    && useradd --uid 1000 --gid 1000 --create-home --home-dir /home/explorer --shell /usr/sbin/nologin explorer
USER 1000:1000
WORKDIR /home/explorer
ENV PATH=/opt/explorer/bin:$PATH \
    HOME=/home/explorer \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1

EXPOSE 8866

# Alive, not "has room": GET /healthz answers 200 while the server takes new viewers and 503
# once it is at its kernel cap; a full server is healthy (its open pages work), so both pass.
# No answer (refused, or nothing within 4 s) three times in a row is unhealthy. Standard
# library only (the slim image has no curl), and urllib.request would raise on the 503, so
# http.client. The same command is the Kubernetes probes' (deploy/kubernetes/deployment.yaml).
# A different --port or --base-url: change the URL, the command's last argument.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import http.client, sys, urllib.parse; u = urllib.parse.urlsplit(sys.argv[1]); c = http.client.HTTPConnection(u.hostname, u.port, timeout=4); c.request('GET', u.path); sys.exit(c.getresponse().status not in (200, 503))", "http://127.0.0.1:8866/healthz"]

STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["explorer", "dashboard", "--scenarios", "/srv/scenarios", "--ip", "0.0.0.0", "--port", "8866"]
