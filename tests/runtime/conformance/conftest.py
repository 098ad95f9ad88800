"""Skip the tests that assert the sandbox's isolation on a machine that cannot give it
(no cgroups v1/v2 pids + memory controllers we may create, or no permission for namespaces)."""

from __future__ import annotations

import functools
import subprocess

import pytest

from runtime.conformance.records import Limits
from runtime.conformance.sandbox import Cgroups


@functools.lru_cache(maxsize=1)
def isolation_unavailable_reason() -> str | None:
    cgroups = Cgroups.create(Limits())
    if cgroups is None:
        return "no pids + memory cgroups this process may create (the sandbox falls back to rlimits)"
    cgroups.remove()
    try:
        done = subprocess.run(["unshare", "--net", "--mount", "true"], capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"cannot try namespaces here ({exc})"
    if done.returncode != 0:
        return "no permission for network and mount namespaces (the sandbox falls back to an audit hook)"
    return None


@pytest.fixture
def isolation() -> None:
    reason = isolation_unavailable_reason()
    if reason:
        pytest.skip(reason)
