"""The process stack's start/stop logic with stand-in processes: a static HTTP server plays
the gateway (serving a `healthz` file), sleepers play Rasa and the action server."""

from __future__ import annotations

import os
import socket
import sys
import time
from pathlib import Path

import pytest

from settle.stack import Stack, StackError, free_port

SLEEPER = [sys.executable, "-c", "import time; time.sleep(600)"]
# ignores SIGTERM and starts a grandchild in the same group: only SIGKILL to the group ends both
STUBBORN = [
    sys.executable,
    "-c",
    "import signal, subprocess, sys, time\n"
    "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
    "print('sig' + 'term ignored', flush=True)\n"
    "time.sleep(600)\n",
]


class FakeStack(Stack):
    """The real Stack with stand-in command lines and no environments or model needed."""

    fake: dict[str, list[str]]

    def commands(self) -> dict[str, list[str]]:
        return self.fake

    def check(self) -> None:
        pass


def make_stack(tmp_path: Path, fake: dict[str, list[str]]) -> FakeStack:
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    (site / "healthz").write_text("ok")
    stack = FakeStack(
        root=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'settle.db'}",
        rasa_port=free_port(),
        actions_port=free_port(),
        api_port=free_port(),
        admin_token="admin",
        rasa_token="rasa",
        log_dir=tmp_path / "logs",
        pid_dir=tmp_path / "run",
    )
    stack.fake = fake
    return stack


def web_server(stack: Stack, directory: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "http.server",
        "--bind",
        "127.0.0.1",
        "--directory",
        str(directory),
        str(stack.api_port),
    ]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (exited, not yet reaped by its parent) counts as gone
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(") ")[-1].startswith("Z"))


def test_free_port_is_bindable() -> None:
    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


def test_starts_becomes_healthy_and_stops_every_group(tmp_path: Path) -> None:
    stack = make_stack(tmp_path, {})
    stack.fake = {"actions": SLEEPER, "rasa": SLEEPER, "api": web_server(stack, tmp_path / "site")}
    with stack:
        assert (tmp_path / "settle.db").exists()  # migrated before the start
        pids = {name: int((tmp_path / "run" / f"{name}.pid").read_text()) for name in stack.fake}
        assert pids == {name: p.pid for name, p in stack.processes.items()}
        for pid in pids.values():
            assert os.getpgid(pid) == pid != os.getpgid(0)  # a group of its own
        assert stack.wait_healthy(timeout=20) < 20
        assert stack.dead() == []
        env = stack.environment()
        assert env["SETTLE_RASA_URL"] == f"http://127.0.0.1:{stack.rasa_port}"
        assert env["SETTLE_PUBLIC_URL"] == stack.api_url
    assert not any(alive(pid) for pid in pids.values())
    assert list((tmp_path / "run").glob("*.pid")) == []
    assert stack.processes == {}


def test_the_follow_up_job_is_started_and_stopped_but_not_waited_for(tmp_path: Path) -> None:
    """The job and the workers serve no HTTP: the stack is healthy when the gateway is, and
    stopping the stack stops them too."""
    stack = make_stack(tmp_path, {})
    stack.fake = {
        "actions": SLEEPER,
        "rasa": SLEEPER,
        "api": web_server(stack, tmp_path / "site"),
        "workers": SLEEPER,
        "followup": SLEEPER,
    }
    with stack:
        assert stack.wait_healthy(timeout=20) < 20
        job, workers = stack.processes["followup"].pid, stack.processes["workers"].pid
        assert int((tmp_path / "run" / "followup.pid").read_text()) == job
    assert not alive(job) and not alive(workers)


def test_the_interval_of_the_follow_up_job(tmp_path: Path) -> None:
    stack = Stack(
        root=tmp_path,
        database_url="sqlite://",
        rasa_port=1,
        actions_port=2,
        api_port=3,
        admin_token="a",
        rasa_token="r",
        log_dir=tmp_path,
        followup_interval=60,
    )
    command = stack.commands()["followup"]
    assert command == [str(tmp_path / ".venv" / "bin" / "settle"), "followup", "--interval", "60"]


def test_a_process_that_dies_fails_the_wait_with_its_log(tmp_path: Path) -> None:
    crash = [sys.executable, "-c", "import sys; print('no model found'); sys.exit(3)"]
    stack = make_stack(tmp_path, {"actions": SLEEPER, "rasa": crash})
    with stack, pytest.raises(StackError) as failure:
        stack.wait_healthy(timeout=20)
    assert "rasa (exit 3)" in str(failure.value)
    assert "no model found" in str(failure.value)


def test_the_wait_gives_up_after_the_timeout(tmp_path: Path) -> None:
    stack = make_stack(tmp_path, {"api": SLEEPER})
    started = time.monotonic()
    with stack, pytest.raises(StackError, match="not healthy after 1 s"):
        stack.wait_healthy(timeout=1)
    assert time.monotonic() - started < 15


def test_the_wait_stops_when_asked(tmp_path: Path) -> None:
    stack = make_stack(tmp_path, {"api": SLEEPER})
    with stack, pytest.raises(StackError, match="interrupted"):
        stack.wait_healthy(timeout=30, should_stop=lambda: True)


def test_sigkill_after_the_grace_period_reaches_the_whole_group(tmp_path: Path) -> None:
    stack = make_stack(tmp_path, {"api": STUBBORN})
    stack.start(migrate=False)
    log = tmp_path / "logs" / "api.log"
    deadline = time.monotonic() + 20
    while "sigterm ignored" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    leader = stack.processes["api"].pid
    started = time.monotonic()
    stack.stop(grace=1)
    assert 1 <= time.monotonic() - started < 10
    assert not alive(leader)
    # the grandchild was in the same group; give init a moment to reap it
    deadline = time.monotonic() + 5
    while _group_members(leader) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _group_members(leader) == []
    stack.stop()  # a second stop is harmless


def test_a_command_that_cannot_start_stops_the_ones_already_running(tmp_path: Path) -> None:
    stack = make_stack(tmp_path, {"actions": SLEEPER, "rasa": [str(tmp_path / "no-such-rasa")]})
    with pytest.raises(StackError, match="rasa could not start"):
        stack.start(migrate=False)
    assert stack.processes == {}


def test_the_real_commands_need_the_environments_and_the_model(tmp_path: Path) -> None:
    stack = Stack(
        root=tmp_path,
        database_url="sqlite://",
        rasa_port=1,
        actions_port=2,
        api_port=3,
        admin_token="a",
        rasa_token="r",
        log_dir=tmp_path,
    )
    with pytest.raises(StackError, match="make run"):
        stack.start()
    commands = stack.commands()
    assert list(commands) == ["actions", "rasa", "api", "workers", "followup"]
    assert commands["workers"][1:] == ["workers"]
    assert commands["followup"][1:] == ["followup", "--interval", "900"]
    assert "--enable-api" in commands["rasa"]


def _group_members(pgid: int) -> list[int]:
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(") ", 1)[1].split()
        except (OSError, IndexError):
            continue
        # fields: state, ppid, pgrp, ...
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(stat.parent.name))
    return members
