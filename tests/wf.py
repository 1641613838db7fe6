"""Running the real Snakemake workflow in a temporary working directory."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")

# Short chains for workflow tests: the model is exercised for real, just briefly.
FAST_MODEL = {"draws": 200, "tune": 300, "chains": 2}


def deep_update(base: dict, update: dict) -> dict:
    out = dict(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_update(out[key], value)
        else:
            out[key] = value
    return out


def make_workdir(tmp_path: Path, overrides: dict | None = None, *, fast: bool = True) -> Path:
    """A working directory with the project's config/ and a config.yaml with overrides."""
    work = tmp_path / "work"
    shutil.copytree(REPO / "config", work / "config")
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    if fast:
        config = deep_update(config, {"model": FAST_MODEL})
    if overrides:
        config = deep_update(config, overrides)
    (work / "config" / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return work


def snakemake_command(workdir: Path, *args: str, cores: int = 2) -> list[str]:
    """The project's Snakefile run in ``workdir`` (targets before any ``--configfile``)."""
    return [
        str(SNAKEMAKE),
        "-s",
        str(REPO / "Snakefile"),
        "-d",
        str(workdir),
        "--cores",
        str(cores),
        *args,
    ]


def run_snakemake(
    workdir: Path, *args: str, cores: int = 2, check: bool = True, timeout: int = 900
) -> subprocess.CompletedProcess:
    cmd = snakemake_command(workdir, *args, cores=cores)
    env = dict(os.environ)
    proc = subprocess.run(
        cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd=workdir
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"snakemake failed ({proc.returncode}): {' '.join(cmd)}\n"
            f"--- stdout ---\n{proc.stdout[-6000:]}\n--- stderr ---\n{proc.stderr[-6000:]}"
        )
    return proc


@contextmanager
def in_own_group(cmd: list[str], cwd: Path) -> Iterator[subprocess.Popen]:
    """``cmd`` started as its own process group (a signal to the group reaches Snakemake and
    every job it runs, as a user's Ctrl-C or a scheduler's kill does); whatever is still running
    at the end of the block is killed."""
    job = subprocess.Popen(
        cmd,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield job
    finally:
        if job.poll() is None:
            os.killpg(job.pid, signal.SIGKILL)
            job.wait(10)


def kill_group(job: subprocess.Popen, sig: int, timeout: float = 120) -> None:
    """Send ``sig`` to ``job``'s whole process group and wait for Snakemake to end."""
    os.killpg(job.pid, sig)
    job.wait(timeout)
