"""The Kubernetes manifests (``deploy/kubernetes/``) and the ``Dockerfile``, checked offline.

No cluster and no image can be had here, so each manifest is validated against Kubernetes'
own API schemas as ``kubernetes-validate`` bundles them, in strict mode (a misspelt or
misplaced field fails, where Kubernetes would drop it silently), for the oldest and the newest
Kubernetes versions this deployment claims. Then the properties the serving design rests on,
each read from the files and cross-checked against the code or the other file that must
agree with it: the command is one ``explorer dashboard`` accepts, the probes ask ``/healthz``
on the container's port and pass a full pod, the memory covers a full pod, the ingress keeps
a viewer on its pod, and the Dockerfile builds what the manifests run.
"""

from __future__ import annotations

import ast
import http.server
import json
import re
import subprocess
import sys
import threading
import tomllib
from pathlib import Path, PurePosixPath

import kubernetes_validate
import pytest
import yaml

from explorer.cli import build_parser, cmd_dashboard

ROOT = Path(__file__).resolve().parents[1]
MANIFESTS = ROOT / "deploy" / "kubernetes"
DOCKERFILE = ROOT / "Dockerfile"
SETTINGS = json.loads((ROOT / "explorer" / "app" / "site" / "voila.json").read_text())
# The Kubernetes versions the manifests must be valid for: the oldest we claim (docs/deploy.md)
# and the newest kubernetes-validate 1.37.0 bundles. validate() falls back to an older schema
# when it lacks the one asked for; the version it reports is checked to be the one asked.
KUBERNETES_VERSIONS = ("1.33", "1.37")

# Measured (benchmarks/bench_soak.py, 2 cores; docs/deploy.md "Sizing"), in the project's MB (MiB).
KERNEL_MB = 120  # a dashboard kernel once every panel is drawn (118-122 MB over a 10-minute soak)
VOILA_MB = 155  # the Voila server process with 20 pages clicking
SUPERVISOR_MB = 110  # `explorer dashboard`'s own process, which supervises Voila (ps: 107 MB RSS)
WEBSOCKET_IDLE_S = 3600  # an open page may stay silent this long without losing its websocket


# -- reading the files ------------------------------------------------------------------------------

def manifest_documents() -> list[tuple[str, dict]]:
    """Every Kubernetes object in deploy/kubernetes/ as (file name, object), the kustomization aside."""
    found = []
    for path in sorted(MANIFESTS.glob("*.yaml")):
        if path.name != "kustomization.yaml":
            found += [(path.name, doc) for doc in yaml.safe_load_all(path.read_text()) if doc]
    return found


DOCUMENTS = manifest_documents()


def only(kind: str) -> dict:
    (found,) = [doc for _, doc in DOCUMENTS if doc["kind"] == kind]
    return found


def deployment() -> dict:
    return only("Deployment")


def container() -> dict:
    (found,) = deployment()["spec"]["template"]["spec"]["containers"]
    return found


def container_port(name_or_number: str | int) -> int:
    """The container port a Service's targetPort or a probe's port names."""
    for port in container()["ports"]:
        if name_or_number in (port.get("name"), port["containerPort"]):
            return port["containerPort"]
    raise AssertionError(f"no container port {name_or_number!r}")


def dashboard_options(args: list[str]):
    """``args`` parsed by ``explorer``'s own command line: they must be an ``explorer dashboard``."""
    assert args[0] == "explorer", args
    options = build_parser().parse_args(args[1:])
    assert options.func is cmd_dashboard, args
    return options


def health_path(base_url: str) -> str:
    """``<base_url>healthz``, with the base URL made whole as ``explorer dashboard`` does."""
    parts = [part for part in base_url.split("/") if part]
    return "/" + "".join(part + "/" for part in parts) + module_constant("health.py", "HEALTH_URL")


def module_constant(file: str, name: str):
    """A constant of ``explorer/app/serving/FILE``, read without importing the Voila server's modules."""
    tree = ast.parse((ROOT / "explorer" / "app" / "serving" / file).read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError(f"{name} not found in {file}")


def clean_stop_seconds() -> float:
    """How long ``explorer dashboard`` gives Voila and its kernels to stop (``supervise``'s default)."""
    tree = ast.parse((ROOT / "explorer" / "app" / "serving" / "supervisor.py").read_text())
    (function,) = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "supervise"]
    arguments = function.args
    for argument, default in zip(arguments.kwonlyargs, arguments.kw_defaults):
        if argument.arg == "stop_timeout":
            return ast.literal_eval(default)
    raise AssertionError("supervise() has no stop_timeout")


def mebibytes(quantity: str) -> float:
    """A Kubernetes memory quantity (``6Gi``, ``4500Mi``, ``5G``) in MiB."""
    number, unit = re.fullmatch(r"([0-9.]+)([A-Za-z]*)", str(quantity)).groups()
    factor = {"": 1, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}[unit]
    return float(number) * factor / 2**20


def cores(quantity: str) -> float:
    text = str(quantity)
    return float(text[:-1]) / 1000 if text.endswith("m") else float(text)


def dockerfile_instructions() -> list[tuple[str, str]]:
    """The Dockerfile as (INSTRUCTION, rest), continuation lines joined, comments dropped."""
    instructions, pending = [], ""
    for line in DOCKERFILE.read_text().splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        keyword, _, rest = (pending + stripped).partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
        pending = ""
    return instructions


def dockerfile(keyword: str) -> list[str]:
    return [rest for found, rest in dockerfile_instructions() if found == keyword]


def final_stage() -> list[tuple[str, str]]:
    instructions = dockerfile_instructions()
    last_from = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    return instructions[last_from:]


def probe_commands() -> dict[str, list[str]]:
    return {kind: container()[kind]["exec"]["command"]
            for kind in ("startupProbe", "readinessProbe", "livenessProbe")}


# -- schema validation ------------------------------------------------------------------------------

def test_the_kustomization_lists_every_manifest():
    kustomization = yaml.safe_load((MANIFESTS / "kustomization.yaml").read_text())
    listed = sorted(kustomization["resources"])
    assert listed == sorted(p.name for p in MANIFESTS.glob("*.yaml") if p.name != "kustomization.yaml")
    assert {doc["kind"] for _, doc in DOCUMENTS} >= {
        "Deployment", "Service", "Ingress", "HorizontalPodAutoscaler", "PodDisruptionBudget"}
    (image,) = kustomization["images"]
    assert container()["image"].split(":")[0] == image["name"]


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("name, document", DOCUMENTS, ids=[f"{n}:{d['kind']}" for n, d in DOCUMENTS])
def test_every_manifest_is_valid_for_kubernetes(name, document, version):
    try:
        validated = kubernetes_validate.validate(document, version, strict=True)
    except kubernetes_validate.ValidationError as error:
        path = ".".join(str(part) for part in error.path)
        pytest.fail(f"{name}: {document['kind']} is not valid for Kubernetes {version}: {path}: {error.message}")
    except kubernetes_validate.SchemaNotFoundError as error:  # an apiVersion this Kubernetes does not serve
        pytest.fail(f"{name}: {error.message}")
    assert validated == version  # its own schema, not an older fallback


def test_strict_validation_catches_a_misspelt_field():
    """The check above can fail: a probe under a misspelt name is refused, not dropped."""
    misspelt = json.loads(json.dumps(deployment()))
    spec = misspelt["spec"]["template"]["spec"]["containers"][0]
    spec["livenesProbe"] = spec.pop("livenessProbe")
    with pytest.raises(kubernetes_validate.ValidationError, match="livenesProbe"):
        kubernetes_validate.validate(misspelt, KUBERNETES_VERSIONS[0], strict=True)


# -- the container ----------------------------------------------------------------------------------

def test_the_container_runs_explorer_dashboard_on_its_port_over_the_mounted_scenarios():
    assert "command" not in container()  # the image's ENTRYPOINT (tini, which reaps orphans) stays
    options = dashboard_options(container()["args"])
    assert options.ip == "0.0.0.0"  # reachable from the Service, not only from inside the pod
    assert container_port("http") == options.port
    (mount,) = [m for m in container()["volumeMounts"] if m["mountPath"] == options.scenarios]
    (volume,) = [v for v in deployment()["spec"]["template"]["spec"]["volumes"] if v["name"] == mount["name"]]
    assert "configMap" in volume or "persistentVolumeClaim" in volume


def test_the_kernel_cap_is_the_one_the_settings_and_the_sizing_assume():
    options = dashboard_options(container()["args"])
    assert options.max_kernels == SETTINGS["CapacityKernelManager"]["max_kernels"]


def test_the_probes_ask_healthz_on_the_container_port():
    options = dashboard_options(container()["args"])
    expected = f"http://127.0.0.1:{container_port('http')}{health_path(options.base_url)}"
    for kind, command in probe_commands().items():
        assert command[:2] == ["python", "-c"], kind
        assert command[3:] == [expected], kind
        assert "/healthz" in command[3]


class _Answer(http.server.BaseHTTPRequestHandler):
    """Answers GET /healthz with the status the test sets on the server."""

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.send_response(self.server.status if self.path == "/healthz" else 404)
        self.end_headers()

    def log_message(self, *args):
        pass


def _exit_status(command: list[str], url: str) -> int:
    """The exit status of a probe command (``python -c SCRIPT URL``) run against ``url``."""
    return subprocess.run([sys.executable, *command[1:3], url], capture_output=True, timeout=30).returncode


def test_the_probes_pass_a_full_pod_and_fail_one_that_does_not_answer():
    """A full pod (503) is alive and serving; a server error or a refused connection is not."""
    dockerfile_command = json.loads(dockerfile("HEALTHCHECK")[0].split(" CMD ", 1)[1])
    commands = {tuple(command[:3]) for command in probe_commands().values()} | {tuple(dockerfile_command[:3])}
    server = http.server.HTTPServer(("127.0.0.1", 0), _Answer)
    url = f"http://127.0.0.1:{server.server_address[1]}/healthz"
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        outcomes = {}
        for status in (200, 503, 500):
            server.status = status
            outcomes.update({(command[2], status): _exit_status(list(command), url) for command in commands})
    finally:
        server.shutdown()
        server.server_close()
    for command in commands:  # the port is free now: nothing answers
        outcomes[command[2], "refused"] = _exit_status(list(command), url)
    for (script, status), exit_status in outcomes.items():
        assert (exit_status == 0) == (status in (200, 503)), (script, status, exit_status)


def test_the_memory_covers_a_full_pod_and_the_worst_before_the_apps_limits_act():
    cap = dashboard_options(container()["args"]).max_kernels
    limits = SETTINGS["MemoryLimits"]
    resources = container()["resources"]
    full_pod = cap * KERNEL_MB + VOILA_MB + SUPERVISOR_MB
    # Voila at its ceiling (it restarts above it), every kernel but one at its measured size and
    # one at its own limit (it is stopped above it): the pod must not be OOM-killed before them.
    worst = limits["server_memory_limit"] + (cap - 1) * KERNEL_MB + limits["kernel_memory_limit"] + SUPERVISOR_MB
    assert mebibytes(resources["requests"]["memory"]) >= full_pod
    assert mebibytes(resources["limits"]["memory"]) >= worst


def test_the_pod_is_guaranteed_what_it_requests():
    """Requests equal limits for CPU and memory (Guaranteed QoS: never overcommitted, evicted last)."""
    resources = container()["resources"]
    for resource in ("cpu", "memory"):
        assert resources["requests"][resource] == resources["limits"][resource], resource
    assert cores(resources["requests"]["cpu"]) >= 2  # the figures were measured on 2 cores


def test_it_runs_as_the_images_unprivileged_user_with_a_read_only_root():
    pod = deployment()["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    user = dockerfile("USER")[-1].split(":")[0]
    assert user.isdigit() and int(user) != 0  # numeric: runAsNonRoot cannot check a name
    assert pod["securityContext"]["runAsUser"] == int(user)
    security = container()["securityContext"]
    assert security["allowPrivilegeEscalation"] is False and security["capabilities"]["drop"] == ["ALL"]
    assert security["readOnlyRootFilesystem"] is True
    # ... so the places the server writes are volumes: the image's HOME and /tmp
    (env,) = dockerfile("ENV")
    home = re.search(r"\bHOME=(\S+)", env).group(1)
    writable = {m["mountPath"] for m in container()["volumeMounts"] if not m.get("readOnly")}
    assert {home, "/tmp"} <= writable


def test_the_grace_period_covers_the_clean_stop():
    pod = deployment()["spec"]["template"]["spec"]
    pause = container()["lifecycle"]["preStop"]["exec"]["command"]
    assert pause[0] == "sleep"
    assert pod["terminationGracePeriodSeconds"] >= float(pause[1]) + clean_stop_seconds() + 5


def test_the_hpa_owns_the_replica_count():
    assert "replicas" not in deployment()["spec"]  # or every `kubectl apply` would reset the HPA's count


# -- service, ingress, autoscaler, disruption budget -------------------------------------------------

def pod_labels() -> dict:
    return deployment()["spec"]["template"]["metadata"]["labels"]


def selects_the_pods(match_labels: dict) -> bool:
    return bool(match_labels) and match_labels.items() <= pod_labels().items()


def test_the_deployment_selects_its_own_pods():
    assert selects_the_pods(deployment()["spec"]["selector"]["matchLabels"])


def test_the_service_reaches_the_container_port():
    service = only("Service")
    assert selects_the_pods(service["spec"]["selector"])
    (port,) = service["spec"]["ports"]
    assert container_port(port["targetPort"]) == dashboard_options(container()["args"]).port


def test_the_ingress_sends_everything_to_the_service():
    ingress, service = only("Ingress"), only("Service")
    backends = [path["backend"]["service"] for rule in ingress["spec"]["rules"] for path in rule["http"]["paths"]]
    assert backends
    for backend in backends:
        assert backend["name"] == service["metadata"]["name"]
        assert any(backend["port"].get("name") == p.get("name") or backend["port"].get("number") == p["port"]
                   for p in service["spec"]["ports"])
    (tls,) = ingress["spec"]["tls"]
    assert tls["secretName"] and set(tls["hosts"]) == {rule["host"] for rule in ingress["spec"]["rules"]}


def test_the_ingress_keeps_each_viewer_on_its_pod_and_its_websockets_open():
    annotations = only("Ingress")["metadata"]["annotations"]
    prefix = "nginx.ingress.kubernetes.io/"
    assert only("Ingress")["spec"]["ingressClassName"] == "nginx"
    assert annotations[prefix + "affinity"] == "cookie"
    assert annotations[prefix + "affinity-mode"] == "persistent"  # `balanced` moves sessions when pods are added
    assert annotations[prefix + "session-cookie-name"]
    assert int(annotations[prefix + "session-cookie-max-age"]) >= 3600
    assert int(annotations[prefix + "proxy-read-timeout"]) >= WEBSOCKET_IDLE_S
    assert int(annotations[prefix + "proxy-send-timeout"]) >= WEBSOCKET_IDLE_S


def test_the_ingress_tries_a_full_pods_capacity_page_on_another_pod():
    """New viewers are kept off full pods here, since readiness passes a full pod (deployment.yaml)."""
    annotations = only("Ingress")["metadata"]["annotations"]
    prefix = "nginx.ingress.kubernetes.io/"
    assert "http_503" in annotations[prefix + "proxy-next-upstream"].split()
    assert int(annotations[prefix + "proxy-next-upstream-tries"]) >= 2
    assert annotations[prefix + "session-cookie-change-on-failure"] == "true"


def test_the_hpa_scales_the_deployment_and_scales_down_slowly():
    hpa, target = only("HorizontalPodAutoscaler"), deployment()
    reference = hpa["spec"]["scaleTargetRef"]
    assert (reference["apiVersion"], reference["kind"], reference["name"]) == (
        target["apiVersion"], target["kind"], target["metadata"]["name"])
    assert 2 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
    assert {m["resource"]["name"] for m in hpa["spec"]["metrics"]} <= {"cpu", "memory"}
    scale_down = hpa["spec"]["behavior"]["scaleDown"]
    assert 600 <= scale_down["stabilizationWindowSeconds"] <= 3600  # the API refuses more than an hour
    assert all(policy["type"] == "Pods" and policy["value"] == 1 for policy in scale_down["policies"])


def test_the_disruption_budget_covers_the_deployments_pods():
    budget = only("PodDisruptionBudget")
    assert budget["spec"]["selector"]["matchLabels"] == deployment()["spec"]["selector"]["matchLabels"]
    assert selects_the_pods(budget["spec"]["selector"]["matchLabels"])
    assert budget["spec"].get("maxUnavailable") == 1 or budget["spec"].get("minAvailable", 0) >= 1


# -- the Dockerfile ---------------------------------------------------------------------------------

def test_the_image_runs_the_dashboard_command_as_a_non_root_user():
    (cmd,) = [rest for keyword, rest in final_stage() if keyword == "CMD"]
    options = dashboard_options(json.loads(cmd))
    deployed = dashboard_options(container()["args"])
    assert (options.scenarios, options.ip, options.port) == (deployed.scenarios, "0.0.0.0", deployed.port)
    assert dockerfile("EXPOSE") == [str(options.port)]
    assert dockerfile("STOPSIGNAL") == ["SIGTERM"]
    assert json.loads(dockerfile("ENTRYPOINT")[0])[0].endswith("tini")
    user = [rest for keyword, rest in final_stage() if keyword == "USER"]
    assert user and user[-1].split(":")[0].isdigit() and int(user[-1].split(":")[0]) != 0
    # the scenarios it lists by default are the repository's
    assert f"data/scenarios/ {options.scenarios}/" in dockerfile("COPY")


def test_the_image_checks_healthz_on_its_port():
    (check,) = dockerfile("HEALTHCHECK")
    command = json.loads(check.split(" CMD ", 1)[1])
    (cmd,) = [rest for keyword, rest in final_stage() if keyword == "CMD"]
    options = dashboard_options(json.loads(cmd))
    assert command[-1] == f"http://127.0.0.1:{options.port}{health_path(options.base_url)}"
    assert command[:3] == probe_commands()["livenessProbe"][:3]  # the same check as Kubernetes'


def test_the_image_installs_the_wheel_with_the_projects_pins_on_binders_python():
    runtime = (ROOT / "binder" / "runtime.txt").read_text().strip()  # python-3.11
    images = dockerfile("FROM")
    assert images and all(image.split()[0] == f"python:{runtime.removeprefix('python-')}-slim" for image in images)
    runs = " ".join(dockerfile("RUN"))
    assert "pip wheel" in runs
    install = re.search(r"pip install [^&]*", runs).group(0)
    assert re.search(r"-c \S*constraints\.txt", install) and "negotiation_explorer-*.whl)[ui]" in install


def dockerignore_admits(path: str) -> bool:
    """Whether the build context holds ``path`` under .dockerignore (the last matching pattern wins)."""
    admitted = True
    candidates = [str(p) for p in reversed(PurePosixPath(path).parents) if str(p) != "."] + [path]
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        pattern = line.strip()
        if not pattern or pattern.startswith("#"):
            continue
        negated = pattern.startswith("!")
        pattern = pattern.lstrip("!").strip("/")
        regex = re.escape(pattern).replace(r"\*\*/", "(.*/)?").replace(r"\*", "[^/]*").replace(r"\?", "[^/]")
        if any(re.fullmatch(regex, candidate) for candidate in candidates):
            admitted = negated
    return admitted


def test_the_build_context_holds_what_the_dockerfile_copies_and_no_more():
    sources = []
    for keyword, rest in dockerfile_instructions():
        if keyword == "COPY" and "--from" not in rest:
            sources += rest.split()[:-1]
        for mount in re.findall(r"--mount=(\S+)", rest):
            fields = dict(field.split("=", 1) for field in mount.split(","))
            if "from" not in fields and "source" in fields:
                sources.append(fields["source"])
    readme = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["readme"]
    assert readme in sources and "pyproject.toml" in sources and "constraints.txt" in sources
    for source in sources:
        source = source.rstrip("/")
        assert (ROOT / source).exists(), source
        inside = next((p for p in sorted((ROOT / source).rglob("*")) if p.is_file() and "__pycache__" not in p.parts),
                      None) if (ROOT / source).is_dir() else None
        for path in filter(None, (source, inside and str(inside.relative_to(ROOT)))):
            assert dockerignore_admits(path), f".dockerignore leaves out {path}, which the Dockerfile copies"
    for left_out in (".venv/bin/python", ".git/HEAD", "artifacts/bench/core.json", "explorer/__pycache__/cli.pyc"):
        assert not dockerignore_admits(left_out), left_out
