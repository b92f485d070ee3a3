"""EventBridge schedule expressions: ``rate(...)`` and ``cron(...)``, and when they fire.

``rate(5 minutes)`` fires every 5 minutes from the moment the rule was created;
``cron(Minutes Hours Day-of-month Month Day-of-week Year)`` fires at the matching minutes,
in UTC, with EventBridge's wildcards: ``* ? , - /``, ``L`` (last day of the month, or
``5L`` the last Thursday), ``W`` (``15W`` the weekday nearest the 15th) and ``#``
(``2#1`` the first Monday). Days of the week run from 1 (SUN) to 7 (SAT).

EventBridge Scheduler (``parse_scheduler``) adds one-time ``at(2025-12-31T23:00:00)``, a
time zone for cron() and at() (``ScheduleExpressionTimezone``), and StartDate / EndDate.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
import zoneinfo
from dataclasses import dataclass

RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
CRON = re.compile(r"^cron\((.*)\)$")
AT = re.compile(r"^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$")
UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
MONTHS = {m: i for i, m in enumerate(calendar.month_abbr) if m}
MONTHS = {k.upper(): v for k, v in MONTHS.items()}
DAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
SEARCH_YEARS = 5


class ScheduleError(ValueError):
    """Not a schedule expression EventBridge accepts."""


@dataclass(frozen=True)
class RateSchedule:
    period_s: int
    start: float  # when the rule was created (virtual epoch seconds)

    def next_after(self, moment: float) -> float:
        periods = int((moment - self.start) // self.period_s) + 1
        return self.start + max(periods, 1) * self.period_s

    def runs_between(self, first: float, last: float) -> int:
        # Due at start + k * period, k >= 1 (a little slack for the float sums).
        low = max(1, math.ceil((first - self.start) / self.period_s - 1e-6))
        high = math.floor((last - self.start) / self.period_s + 1e-6)
        return max(0, high - low + 1)


def _aws_weekday(day: dt.date) -> int:
    return (day.weekday() + 1) % 7 + 1  # Monday is 2, Sunday is 1


def _values(field: str, low: int, high: int, names: dict[str, int]) -> set[int]:
    values: set[int] = set()
    for part in field.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            step = int(step_text)
            if step <= 0:
                raise ScheduleError(f"bad step in {field!r}")
        if part in ("*", "?"):
            first, last = low, high
        elif "-" in part:
            first_text, last_text = part.split("-", 1)
            first, last = _number(first_text, names), _number(last_text, names)
        else:
            first = _number(part, names)
            last = high if step > 1 else first
        if not (low <= first <= high and low <= last <= high):
            raise ScheduleError(f"{field!r} is outside {low}-{high}")
        if first <= last:
            values.update(range(first, last + 1, step))
        else:  # a range that wraps, such as FRI-MON
            values.update(v for v in list(range(first, high + 1)) + list(range(low, last + 1)))
    return values


def _number(text: str, names: dict[str, int]) -> int:
    text = text.strip().upper()
    if text in names:
        return names[text]
    if not text.isdigit():
        raise ScheduleError(f"{text!r} is not a value this field accepts")
    return int(text)


class CronSchedule:
    def __init__(self, fields: list[str], tz: dt.tzinfo = dt.UTC) -> None:
        self.tz = tz
        if len(fields) != 6:
            raise ScheduleError(
                "cron() takes six fields: minutes hours day-of-month month day-of-week year"
            )
        minutes, hours, dom, month, dow, year = fields
        if (dom == "?") == (dow == "?"):
            raise ScheduleError("exactly one of day-of-month and day-of-week must be '?'")
        self.minutes = sorted(_values(minutes, 0, 59, {}))
        self.hours = sorted(_values(hours, 0, 23, {}))
        self.months = _values(month, 1, 12, MONTHS)
        self.years = _values(year, 1970, 2199, {})
        self.dom = dom.upper()
        self.dow = dow.upper()
        # Validate the day fields now, not at the first firing.
        probe = dt.date(2024, 1, 1)
        self._day_matches(probe)

    def _day_matches(self, day: dt.date) -> bool:
        if self.dom != "?":
            return self._dom_matches(day)
        return self._dow_matches(day)

    def _dom_matches(self, day: dt.date) -> bool:
        last = calendar.monthrange(day.year, day.month)[1]
        field = self.dom
        if field == "L":
            return day.day == last
        if field.startswith("L-"):
            return day.day == last - int(field[2:])
        if field.endswith("W"):
            target = min(int(field[:-1]), last)
            nearest = dt.date(day.year, day.month, target)
            if nearest.weekday() == 5:  # Saturday: Friday, or Monday if that leaves the month
                nearest = nearest - dt.timedelta(1) if target > 1 else nearest + dt.timedelta(2)
            elif nearest.weekday() == 6:  # Sunday: Monday, or Friday at the month's end
                nearest = nearest + dt.timedelta(1) if target < last else nearest - dt.timedelta(2)
            return day == nearest
        return day.day in _values(field, 1, 31, {})

    def _dow_matches(self, day: dt.date) -> bool:
        field = self.dow
        weekday = _aws_weekday(day)
        if field.endswith("L") and field != "L":
            wanted = _number(field[:-1], DAYS)
            last = calendar.monthrange(day.year, day.month)[1]
            return weekday == wanted and day.day + 7 > last
        if field == "L":
            return weekday == 7
        if "#" in field:
            name, nth = field.split("#", 1)
            return weekday == _number(name, DAYS) and (day.day - 1) // 7 + 1 == int(nth)
        return weekday in _values(field, 1, 7, DAYS)

    def _day_runs(self, day: dt.date) -> set[float]:
        """The moments it fires on ``day`` (a set: a time the clocks skip repeats another)."""
        if day.year not in self.years or day.month not in self.months:
            return set()
        if not self._day_matches(day):
            return set()
        return {
            dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.tz).timestamp()
            for hour in self.hours
            for minute in self.minutes
        }

    def runs_between(self, first: float, last: float) -> int:
        day = dt.datetime.fromtimestamp(first, self.tz).date()
        end = dt.datetime.fromtimestamp(last, self.tz).date()
        count = 0
        while day <= end:
            count += sum(1 for when in self._day_runs(day) if first <= when <= last)
            day += dt.timedelta(days=1)
        return count

    def next_after(self, moment: float) -> float:
        start = dt.datetime.fromtimestamp(int(moment // 60) * 60, self.tz)
        day = start.date()
        end = day + dt.timedelta(days=366 * SEARCH_YEARS)
        while day <= end:
            if day.year in self.years and day.month in self.months and self._day_matches(day):
                for hour in self.hours:
                    for minute in self.minutes:
                        when = dt.datetime(
                            day.year, day.month, day.day, hour, minute, tzinfo=self.tz
                        )
                        if when.timestamp() > moment:
                            return when.timestamp()
            day += dt.timedelta(days=1)
        return float("inf")  # never again (a year in the past)


@dataclass(frozen=True)
class OnceSchedule:
    """``at(...)``: one moment."""

    when: float

    def next_after(self, moment: float) -> float:
        return self.when if self.when > moment else float("inf")

    def runs_between(self, first: float, last: float) -> int:
        return int(first <= self.when <= last)


@dataclass(frozen=True)
class Window:
    """A schedule that fires only from ``start`` to ``end`` (StartDate, EndDate)."""

    inner: RateSchedule | CronSchedule | OnceSchedule
    start: float | None
    end: float | None

    def next_after(self, moment: float) -> float:
        if self.start is not None:
            moment = max(moment, self.start - 0.001)
        due = self.inner.next_after(moment)
        return float("inf") if self.end is not None and due > self.end else due

    def runs_between(self, first: float, last: float) -> int:
        if self.start is not None:
            first = max(first, self.start - 0.001)
        if self.end is not None:
            last = min(last, self.end)
        return self.inner.runs_between(first, last) if first <= last else 0


Schedule = RateSchedule | CronSchedule | OnceSchedule | Window


def zone(name: str | None) -> dt.tzinfo:
    """A ScheduleExpressionTimezone (``Europe/Paris``); UTC when there is none."""
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(f"{name!r} is not a time zone") from None


def parse_scheduler(
    expression: str,
    timezone: str | None,
    created_at: float,
    start: float | None = None,
    end: float | None = None,
) -> Schedule:
    """An EventBridge Scheduler schedule: rate(), cron() or at() in its time zone, within
    StartDate and EndDate (rate() counts from StartDate when there is one)."""
    tz = zone(timezone)
    text = (expression or "").strip()
    once = AT.match(text)
    inner: RateSchedule | CronSchedule | OnceSchedule
    if once:
        local = dt.datetime.fromisoformat(once.group(1)).replace(tzinfo=tz)
        inner = OnceSchedule(local.timestamp())
    else:
        inner = parse(text, start if start is not None else created_at, tz)
    return Window(inner, start, end) if start is not None or end is not None else inner


def parse(
    expression: str, created_at: float, tz: dt.tzinfo = dt.UTC
) -> RateSchedule | CronSchedule:
    """The schedule of a rule's ScheduleExpression (``created_at`` anchors rate(); cron()
    reads ``tz``, UTC for EventBridge rules)."""
    text = expression.strip()
    rate = RATE.match(text)
    if rate:
        value, unit = int(rate.group(1)), rate.group(2).rstrip("s")
        if value <= 0:
            raise ScheduleError("a rate must be positive")
        if (value == 1) != (rate.group(2) == unit):
            raise ScheduleError(f"write rate(1 {unit}) or rate({max(value, 2)} {unit}s)")
        return RateSchedule(value * UNIT_SECONDS[unit], created_at)
    cron = CRON.match(text)
    if cron:
        return CronSchedule(cron.group(1).split(), tz)
    raise ScheduleError(f"{expression!r} is neither rate(...) nor cron(...)")
