"""The Kubernetes base under deploy/: rendered with kustomize (`kubectl kustomize`, part of
kubectl) and every object validated offline, strictly, against the Kubernetes OpenAPI
schemas shipped in the `kubernetes-validate` package."""

from __future__ import annotations

import copy
import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from receivables.settings import Settings, production_problems, settings_from
from tests.deploy.commands import assert_settle_command

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "deploy" / "base"
SECRET_TEMPLATE = ROOT / "deploy" / "secret.example.yaml"
# the oldest Kubernetes we support and the newest the package knows
VERSIONS = ("1.30.0", kubernetes_validate.latest_version())
MIB = 1024**2
UNITS = {"Ki": 1024, "Mi": MIB, "Gi": 1024**3}


def render() -> list[dict[str, Any]]:
    kubectl = shutil.which("kubectl")
    assert kubectl, "kubectl (with its built-in kustomize) is needed to render deploy/base"
    result = subprocess.run(
        [kubectl, "kustomize", str(BASE)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


@pytest.fixture(scope="module")
def objects() -> dict[tuple[str, str], dict[str, Any]]:
    return {(doc["kind"], doc["metadata"]["name"]): doc for doc in render()}


def pod_spec(objects: dict[tuple[str, str], Any], kind: str, name: str) -> dict[str, Any]:
    return objects[(kind, name)]["spec"]["template"]["spec"]  # type: ignore[no-any-return]


def bytes_of(quantity: str) -> int:
    return int(quantity[:-2]) * UNITS[quantity[-2:]]


def test_every_rendered_object_is_valid_kubernetes(objects: dict[Any, Any]) -> None:
    for version in VERSIONS:
        for (kind, name), doc in objects.items():
            try:
                kubernetes_validate.validate(doc, version, strict=True)
            except kubernetes_validate.ValidationError as exc:
                pytest.fail(f"{kind}/{name} is not valid Kubernetes {version}: {exc.message}")


def test_the_secret_template_is_valid_and_holds_no_real_secret() -> None:
    secret = yaml.safe_load(SECRET_TEMPLATE.read_text())
    for version in VERSIONS:
        kubernetes_validate.validate(secret, version, strict=True)
    tokens = {k: v for k, v in secret["stringData"].items() if k.endswith(("TOKEN", "SECRET"))}
    assert tokens and set(tokens.values()) == {"CHANGE-ME"}


def test_the_validation_is_a_real_one(objects: dict[Any, Any]) -> None:
    broken = copy.deepcopy(objects[("Deployment", "settle-api")])
    container = broken["spec"]["template"]["spec"]["containers"][0]
    container["readinesProbe"] = container.pop("readinessProbe")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, VERSIONS[0], strict=True)


def test_a_deployment_for_each_process(objects: dict[Any, Any]) -> None:
    deployments = {name for kind, name in objects if kind == "Deployment"}
    assert deployments == {"settle-api", "settle-rasa", "settle-actions", "settle-workers"}
    workers = pod_spec(objects, "Deployment", "settle-workers")["containers"][0]
    assert workers["command"] == ["settle", "followup"]


def test_the_gateway_is_ready_on_healthz_and_every_server_has_a_liveness_probe(
    objects: dict[Any, Any],
) -> None:
    api = pod_spec(objects, "Deployment", "settle-api")["containers"][0]
    assert api["readinessProbe"]["httpGet"]["path"] == "/healthz"
    assert api["livenessProbe"]["httpGet"]["path"] == "/livez"
    for name in ("settle-api", "settle-rasa", "settle-actions"):
        container = pod_spec(objects, "Deployment", name)["containers"][0]
        assert "livenessProbe" in container and "readinessProbe" in container, name


def test_memory_requests_cover_the_measured_memory(objects: dict[Any, Any]) -> None:
    """docs/benchmarks.md: Rasa about 1.1 GiB resident, gateway 120 MiB, actions 90 MiB,
    follow-up job 70 MiB; a request below that lets the node be overcommitted."""
    measured = {
        "settle-rasa": 1126 * MIB,
        "settle-api": 120 * MIB,
        "settle-actions": 90 * MIB,
        "settle-workers": 70 * MIB,
    }
    for name, resident in measured.items():
        resources = pod_spec(objects, "Deployment", name)["containers"][0]["resources"]
        request = bytes_of(resources["requests"]["memory"])
        assert resident <= request < 2 * resident, name
        assert bytes_of(resources["limits"]["memory"]) > request, name


def test_the_gateway_and_rasa_scale_automatically(objects: dict[Any, Any]) -> None:
    targets = {
        doc["spec"]["scaleTargetRef"]["name"]
        for (kind, _), doc in objects.items()
        if kind == "HorizontalPodAutoscaler"
    }
    assert targets == {"settle-api", "settle-rasa"}
    for name in targets:
        assert "replicas" not in objects[("Deployment", name)]["spec"], "the HPA owns it"


def test_migrations_run_as_a_job_that_the_others_wait_for(objects: dict[Any, Any]) -> None:
    job = pod_spec(objects, "Job", "settle-migrate")["containers"][0]
    assert job["command"] == ["settle", "migrate"]
    for name in ("settle-api", "settle-actions", "settle-workers"):
        init = pod_spec(objects, "Deployment", name)["initContainers"][0]
        assert init["command"][:2] == ["settle", "wait-for-schema"], name


def test_the_ingress_reaches_the_gateway_service(objects: dict[Any, Any]) -> None:
    ingress = objects[("Ingress", "settle")]
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    service = objects[("Service", backend["name"])]
    assert backend["port"]["name"] in {p["name"] for p in service["spec"]["ports"]}
    assert service["spec"]["selector"] == {"app.kubernetes.io/name": "settle-api"}


def test_every_secret_key_used_is_in_the_template(objects: dict[Any, Any]) -> None:
    template = yaml.safe_load(SECRET_TEMPLATE.read_text())["stringData"]
    for (kind, name), doc in objects.items():
        if kind not in ("Deployment", "Job"):
            continue
        spec = doc["spec"]["template"]["spec"]
        for container in spec.get("initContainers", []) + spec["containers"]:
            for env in container.get("env", []):
                ref = env.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    assert ref["name"] == "settle-secrets" and ref["key"] in template, name
            for source in container.get("envFrom", []):
                if "secretRef" in source:
                    assert source["secretRef"]["name"] == "settle-secrets", name
    for needed in ("SETTLE_DATABASE_URL", "SETTLE_REDIS_URL", "SETTLE_ADMIN_TOKEN"):
        assert needed in template


def test_the_policy_config_map_is_the_repositorys_policy(objects: dict[Any, Any]) -> None:
    maps = [doc for (kind, name), doc in objects.items() if name.startswith("settle-policy-")]
    assert len(maps) == 1, "configMapGenerator names it settle-policy-<hash>"
    assert maps[0]["data"]["policy.yml"] == (ROOT / "config" / "policy.yml").read_text(), (
        "deploy/base/policy.yml differs from config/policy.yml: copy it over"
    )


def test_the_gateways_settings_reach_the_action_server(objects: dict[Any, Any]) -> None:
    """Payment links made by the bot must point at the public address, like the gateway's."""
    api = pod_spec(objects, "Deployment", "settle-api")["containers"][0]["envFrom"]
    actions = pod_spec(objects, "Deployment", "settle-actions")["containers"][0]["envFrom"]
    assert api == actions
    config = next(doc for (k, n), doc in objects.items() if n.startswith("settle-config-"))
    assert config["data"]["SETTLE_PUBLIC_URL"].startswith("https://")


def test_every_setting_given_is_one_settle_knows(objects: dict[Any, Any]) -> None:
    """A misspelt SETTLE_ variable would be ignored silently: each must be a Settings field."""
    names = set(yaml.safe_load(SECRET_TEMPLATE.read_text())["stringData"])
    for (kind, name), doc in objects.items():
        if kind == "ConfigMap" and name.startswith("settle-config-"):
            names |= set(doc["data"])
        if kind in ("Deployment", "Job"):
            for container in doc["spec"]["template"]["spec"]["containers"]:
                names |= {env["name"] for env in container.get("env", [])}
    assert names
    unknown = {n for n in names if n.removeprefix("SETTLE_").lower() not in Settings.model_fields}
    # Rasa's lock store takes the Redis URL's parts (bot/endpoints-redis.yml), not the URL
    assert not unknown - {
        "SETTLE_REDIS_HOST",
        "SETTLE_REDIS_PORT",
        "SETTLE_REDIS_DB",
        "SETTLE_REDIS_PASSWORD",
    }


def test_the_gateway_passes_the_production_guard_once_the_secrets_are_filled_in(
    objects: dict[Any, Any],
) -> None:
    """The base runs as production (SETTLE_ENV unset): with real secrets in place of the
    template's CHANGE-ME, the gateway's start-up check finds nothing to refuse."""
    secret = yaml.safe_load(SECRET_TEMPLATE.read_text())["stringData"]
    filled = {k: "x" * 32 if v == "CHANGE-ME" else v for k, v in secret.items()}
    config = next(doc for (k, n), doc in objects.items() if n.startswith("settle-config-"))
    assert "SETTLE_ENV" not in {**config["data"], **filled}  # Settings' default: production
    # (the test process itself runs as development: say production here explicitly)
    settings = settings_from({**config["data"], **filled, "SETTLE_ENV": "production"})
    assert production_problems(settings) == []


def test_transcripts_are_pruned_daily_with_the_policy(objects: dict[Any, Any]) -> None:
    job = objects[("CronJob", "settle-retention")]["spec"]
    pod = job["jobTemplate"]["spec"]["template"]["spec"]
    assert pod["containers"][0]["command"] == ["settle", "privacy", "retention"]
    assert pod["volumes"][0]["configMap"]["name"].startswith("settle-policy")


def _containers(objects: dict[Any, Any]) -> list[dict[str, Any]]:
    found = []
    for (kind, _), doc in objects.items():
        spec = doc.get("spec", {})
        if kind == "CronJob":
            spec = spec["jobTemplate"]["spec"]
        pod = spec.get("template", {}).get("spec", {})
        found += pod.get("initContainers", []) + pod.get("containers", [])
    return found


def test_every_settle_command_is_one_the_cli_has(objects: dict[Any, Any]) -> None:
    commands = [
        c["command"] for c in _containers(objects) if (c.get("command") or [""])[0] == "settle"
    ]
    assert len(commands) == 7  # 3 waits for the schema, migrate, followup, workers, retention
    for command in commands:
        assert_settle_command(command)


def test_rasas_api_token_is_in_its_environment_not_on_its_command_line(
    objects: dict[Any, Any],
) -> None:
    rasa = pod_spec(objects, "Deployment", "settle-rasa")["containers"][0]
    assert rasa["command"][:4] == ["python", "-m", "bot.runtime.server", "run"]
    assert not any("auth-token" in part or "RASA_TOKEN" in part for part in rasa["command"])
    token = {e["name"]: e for e in rasa["env"]}["SETTLE_RASA_TOKEN"]
    assert token["valueFrom"]["secretKeyRef"]["key"] == "SETTLE_RASA_TOKEN"
