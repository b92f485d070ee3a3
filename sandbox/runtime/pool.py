"""Which execution environments exist, which are free, and how many run at once.

Environments are kept per function version. An invocation takes a free one (warm) or
gets a new one (cold); two invocations at the same time never share one. A change of
code or configuration retires the environments of the old one. Idle environments
expire; provisioned ones stay. Concurrency is counted per function (reserved
concurrency), per learner account and for the whole sandbox, which protects the host.
A retired environment is closed on a background thread: killing every process of its
uid takes a few milliseconds that no invocation should wait for.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from sandbox.runtime.environment import ExecutionEnvironment
from sandbox.runtime.isolation import process_table
from sandbox.runtime.spec import FunctionSpec, RuntimeSettings

RESERVED_LIMIT = "ReservedFunctionConcurrentInvocationLimitExceeded"
ACCOUNT_LIMIT = "ConcurrentInvocationLimitExceeded"


class Throttled(Exception):
    """No execution may start now; Invoke answers TooManyRequestsException (429)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class EnvironmentPool:
    def __init__(self, settings: RuntimeSettings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._idle: dict[tuple[str, ...], list[ExecutionEnvironment]] = defaultdict(list)
        self._current: dict[tuple[str, ...], str] = {}  # environment key -> fingerprint
        self._alive: set[ExecutionEnvironment] = set()
        self._provisioned: set[ExecutionEnvironment] = set()
        self._function_in_flight: dict[tuple[str, ...], int] = defaultdict(int)
        self._account_in_flight: dict[str, int] = defaultdict(int)
        self._closer = ThreadPoolExecutor(1, thread_name_prefix="environment-closer")

    def _close_later(self, env: ExecutionEnvironment) -> None:
        try:
            self._closer.submit(env.close)
        except RuntimeError:  # shutting down: close it here
            env.close()

    # Concurrency -------------------------------------------------------------------

    def reserve(self, spec: FunctionSpec) -> int:
        """Count one more execution of this function, or raise Throttled. Returns the count."""
        with self._lock:
            running = self._function_in_flight[spec.function_key]
            reserved = spec.reserved_concurrency
            if reserved is not None and running >= reserved:
                raise Throttled(RESERVED_LIMIT)
            if self._account_in_flight[spec.account_id] >= self.settings.account_concurrency:
                raise Throttled(ACCOUNT_LIMIT)
            self._function_in_flight[spec.function_key] = running + 1
            self._account_in_flight[spec.account_id] += 1
            return running + 1

    def release(self, spec: FunctionSpec) -> None:
        with self._lock:
            self._function_in_flight[spec.function_key] -= 1
            self._account_in_flight[spec.account_id] -= 1

    def in_flight(self, spec: FunctionSpec) -> int:
        with self._lock:
            return self._function_in_flight[spec.function_key]

    # Environments ------------------------------------------------------------------

    def take_idle(self, spec: FunctionSpec) -> ExecutionEnvironment | None:
        """A free, initialised environment of exactly this code and configuration."""
        found = None
        with self._lock:
            key = spec.environment_key
            self._current[key] = spec.fingerprint
            idle = self._idle.get(key, [])
            retired = [e for e in idle if e.fingerprint != spec.fingerprint or not e.alive]
            idle = [e for e in idle if e not in retired]
            if idle:
                found = idle.pop()
            self._idle[key] = idle
            for env in retired:
                self._forget(env)
        for env in retired:
            self._close_later(env)
        return found

    def admit(self, spec: FunctionSpec) -> None:
        """Make room for one more worker process, or raise Throttled if the host is full."""
        victim = None
        with self._lock:
            if len(self._alive) < self.settings.total_environments:
                return
            idle = [env for envs in self._idle.values() for env in envs]
            unprovisioned = [env for env in idle if env not in self._provisioned]
            candidates = unprovisioned or idle
            if not candidates:
                raise Throttled(ACCOUNT_LIMIT)
            victim = min(candidates, key=lambda env: env.last_used)
            self._idle[victim.spec.environment_key].remove(victim)
            self._forget(victim)
        self._close_later(victim)

    def add(self, env: ExecutionEnvironment, provisioned: bool = False) -> None:
        """Track a new environment (busy until it is given back)."""
        with self._lock:
            self._alive.add(env)
            if provisioned:
                self._provisioned.add(env)
                self._idle[env.spec.environment_key].append(env)

    def give_back(self, env: ExecutionEnvironment) -> None:
        """After an invocation: keep the environment warm, unless it is stale or dead."""
        with self._lock:
            current = self._current.get(env.spec.environment_key)
            keep = env.alive and current in (None, env.fingerprint)
            if keep:
                self._idle[env.spec.environment_key].append(env)
            else:
                self._forget(env)
        if not keep:
            self._close_later(env)

    def discard(self, env: ExecutionEnvironment) -> None:
        with self._lock:
            self._forget(env)
        self._close_later(env)

    def _forget(self, env: ExecutionEnvironment) -> None:
        self._alive.discard(env)
        self._provisioned.discard(env)

    def provisioned_count(self, spec: FunctionSpec) -> int:
        with self._lock:
            return sum(
                1
                for env in self._provisioned
                if env.spec.environment_key == spec.environment_key and env.alive
            )

    def unprovision(self, spec: FunctionSpec) -> None:
        """Provisioned environments of this version become ordinary ones (and may expire)."""
        with self._lock:
            for env in list(self._provisioned):
                if env.spec.environment_key == spec.environment_key:
                    self._provisioned.discard(env)

    def expire_idle(self, now: float | None = None) -> int:
        """Close idle environments past the idle timeout."""
        now = time.monotonic() if now is None else now
        expired: list[ExecutionEnvironment] = []
        with self._lock:
            for key, envs in self._idle.items():
                keep = []
                for env in envs:
                    too_old = (
                        env not in self._provisioned
                        and now - env.last_used > self.settings.idle_timeout_s
                    )
                    if too_old or not env.alive:
                        expired.append(env)
                        self._forget(env)
                    else:
                        keep.append(env)
                self._idle[key] = keep
        for env in expired:
            self._close_later(env)
        return len(expired)

    def stop_escapees(self) -> int:
        """Without a cgroup freezer, stop what idle environments started again (a process
        in a session of its own): frozen means frozen. One /proc scan."""
        # A frozen cgroup holds every process it has; only the others need the sweep.
        idle = [env for env in self.idle_environments() if env.cgroup is None]
        if not idle:
            return 0
        table = process_table()
        return sum(env.stop_escapees(table) for env in idle)

    def idle_environments(self) -> list[ExecutionEnvironment]:
        with self._lock:
            return [env for envs in self._idle.values() for env in envs]

    def environments(self) -> list[ExecutionEnvironment]:
        with self._lock:
            return list(self._alive)

    def retire_where(self, predicate: Callable[[FunctionSpec], bool]) -> int:
        """Close idle environments whose function matches; busy ones close when given back."""
        closing: list[ExecutionEnvironment] = []
        with self._lock:
            for key in list(self._idle):
                envs = self._idle[key]
                self._idle[key] = [env for env in envs if not predicate(env.spec)]
                closing += [env for env in envs if predicate(env.spec)]
            for env in self._alive:  # busy ones: give_back will find them stale
                if predicate(env.spec):
                    self._current[env.spec.environment_key] = "retired"
            for env in closing:
                self._forget(env)
        for env in closing:
            self._close_later(env)
        return len(closing)

    def close_all(self) -> None:
        with self._lock:
            everything = list(self._alive)
            self._alive.clear()
            self._idle.clear()
            self._provisioned.clear()
        self._closer.shutdown(wait=True)  # retired ones first
        for env in everything:
            env.close()
