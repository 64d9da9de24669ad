"""Several gateway worker processes in one container (`uvicorn --workers N`) share
PROMETHEUS_MULTIPROC_DIR: any one of them answers a scrape with the figures of all."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[2]

WORKER = """
import sys
from api.metrics import TURN_SECONDS
for _ in range(int(sys.argv[1])):
    TURN_SECONDS.labels(channel="whatsapp").observe(0.5)
"""

SCRAPE = """
import sys
from receivables.db import make_engine, make_session_factory
from receivables.migrate import upgrade
from api.metrics import render_metrics
upgrade(sys.argv[1])
sys.stdout.write(render_metrics(make_session_factory(make_engine(sys.argv[1]))).decode())
"""


def run(code: str, *args: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_a_scrape_sums_the_turns_of_every_worker_process(tmp_path: Path) -> None:
    shared = tmp_path / "prometheus"
    shared.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(shared)}
    run(WORKER, "2", env=env)
    run(WORKER, "3", env=env)
    text = run(SCRAPE, f"sqlite:///{tmp_path / 'm.db'}", env=env)
    counts = [
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "settle_turn_seconds_count" and sample.labels["channel"] == "whatsapp"
    ]
    assert counts == [5.0]
    assert "settle_handoffs_waiting" in text  # the database's figures come along
