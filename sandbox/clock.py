"""The sandbox clock: AWS's minutes and hours, at a speed a learner can wait for.

Everything in the sandbox that waits by AWS's clock reads this one: the retries of
asynchronous invocations (1 and 2 minutes on AWS), their maximum age, schedules
(``rate(5 minutes)``, ``cron(...)``), SQS visibility timeouts, delays and batching
windows. ``speed`` makes virtual time run faster than real time (60: a minute per
second); ``advance(seconds)`` jumps ahead at once and fires, in order, every timer that
came due on the way, each seeing the time it was due (a ``rate(5 minutes)`` schedule
advanced by an hour fires 12 times, 5 minutes apart). ``Sandbox.fast_forward`` advances it
through ``sources.Scheduler``, which lets each schedule fire at most
``sources.FAST_FORWARD_RUNS`` times per jump.

Timers run their callbacks on the clock's thread (or on the thread calling
``advance``): callbacks must be quick and hand real work to an executor.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

WORK = "work"  # something the sandbox owes: a retry, a delayed delivery
SCHEDULE = "schedule"  # a schedule's next firing: always pending, never "owed"


@dataclass(order=True)
class Timer:
    due: float
    sequence: int
    callback: Callable[[float], None] = field(compare=False)
    kind: str = field(default=WORK, compare=False)
    cancelled: bool = field(default=False, compare=False)

    def cancel(self) -> None:
        self.cancelled = True


class SandboxClock:
    def __init__(self, speed: float = 1.0) -> None:
        if speed <= 0:
            raise ValueError("the clock's speed must be positive")
        self._condition = threading.Condition()
        # (virtual epoch, monotonic, speed) at the last change: replaced as a whole, so
        # now() reads it without a lock (moto's SQS asks for the time per message).
        self._anchor = (time.time(), time.monotonic(), float(speed))
        self._timers: list[Timer] = []
        self._sequence = itertools.count()
        self._fire_lock = threading.Lock()  # timers fire one at a time, in due order
        self._stopped = False
        self._thread: threading.Thread | None = None

    # Time ------------------------------------------------------------------------------

    def now(self) -> float:
        """Virtual time, in epoch seconds."""
        virtual, real, speed = self._anchor
        return virtual + (time.monotonic() - real) * speed

    _now = now

    def now_ms(self) -> int:
        return int(self.now() * 1000)

    @property
    def speed(self) -> float:
        return self._anchor[2]

    @property
    def _speed(self) -> float:
        return self._anchor[2]

    def set_speed(self, speed: float) -> None:
        """Run faster or slower from now on (virtual time does not jump)."""
        if speed <= 0:
            raise ValueError("the clock's speed must be positive")
        with self._condition:
            self._anchor = (self.now(), time.monotonic(), float(speed))
            self._condition.notify_all()

    def advance(self, seconds: float) -> None:
        """Jump ahead; every timer due by then has fired when this returns."""
        if seconds < 0:
            raise ValueError("the sandbox clock does not go back")
        with self._condition:
            virtual, real, speed = self._anchor
            self._anchor = (virtual + seconds, real, speed)
            self._condition.notify_all()
        self.fire_due()

    def real_seconds(self, virtual_seconds: float) -> float:
        return max(0.0, virtual_seconds) / self.speed

    def sleep(self, seconds: float, stop: threading.Event | None = None) -> bool:
        """Wait ``seconds`` of virtual time (shorter if the clock advances). False if
        ``stop`` was set meanwhile."""
        with self._condition:
            until = self._now() + seconds
            while not self._stopped and not (stop is not None and stop.is_set()):
                remaining = until - self._now()
                if remaining <= 0:
                    return True
                self._condition.wait(min(remaining / self._speed, 0.25))
        return False

    # Timers ----------------------------------------------------------------------------

    def call_at(self, due: float, callback: Callable[[float], None], kind: str = WORK) -> Timer:
        """Run ``callback(due)`` once virtual time reaches ``due``."""
        timer = Timer(due, next(self._sequence), callback, kind)
        with self._condition:
            heapq.heappush(self._timers, timer)
            self._condition.notify_all()
        return timer

    def call_later(
        self, delay: float, callback: Callable[[float], None], kind: str = WORK
    ) -> Timer:
        return self.call_at(self.now() + delay, callback, kind)

    def pending(self, kind: str = WORK) -> list[Timer]:
        with self._condition:
            return sorted(t for t in self._timers if t.kind == kind and not t.cancelled)

    def fire_due(self) -> int:
        """Fire every timer that is due now, earliest first; returns how many fired."""
        fired = 0
        with self._fire_lock:
            while True:
                with self._condition:
                    while self._timers and self._timers[0].cancelled:
                        heapq.heappop(self._timers)
                    if not self._timers or self._timers[0].due > self._now():
                        return fired
                    timer = heapq.heappop(self._timers)
                fired += 1
                try:
                    timer.callback(timer.due)
                except Exception:  # a broken callback must not stop the clock
                    import logging

                    logging.getLogger(__name__).exception("sandbox clock timer failed")

    # The clock's own thread ------------------------------------------------------------

    def start(self) -> SandboxClock:
        if self._thread is None:
            self._stopped = False
            self._thread = threading.Thread(target=self._run, name="sandbox-clock", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        with self._condition:
            self._stopped = True
            self._condition.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self) -> None:
        while True:
            with self._condition:
                if self._stopped:
                    return
                wait = (self._timers[0].due - self._now()) / self._speed if self._timers else 1.0
                if wait > 0:
                    self._condition.wait(min(wait, 1.0))
                    continue
            self.fire_due()


def iso_time(epoch_s: float, millis: bool = True) -> str:
    """``2019-11-14T18:16:05.568Z`` (or without milliseconds), UTC."""
    whole, fraction = divmod(int(epoch_s * 1000), 1000)
    text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole))
    return text + (f".{fraction:03d}Z" if millis else "Z")
