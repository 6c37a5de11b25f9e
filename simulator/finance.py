"""Month-end close per legal entity: close tasks and journal adjustments.

Around a go-live of any of its sites a legal entity's close runs late and erratic (tasks slip by
different amounts, more adjustments are posted after the books were closed); it stabilises after.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from simulator import codes
from simulator.columns import Decimals, Frame, Ids, Texts, redeliver_when_set
from simulator.order_flow import HOUR, range_end
from simulator.world import World, ids_digits

# Workday of the following month on which each close task (codes.CLOSE_TASKS order) is due.
DUE_WORKDAY = np.array([2, 3, 3, 4, 4, 3, 5, 6])
DUE_HOUR = 17
# Finance feels a go-live from three weeks before it until it has settled (at least 20 days' decay).
PREPARATION_DAYS = 21
MINIMUM_SETTLING_DAYS = 20.0


@dataclass(frozen=True)
class Period:
    legal_entity: int
    site: int  # the legal entity's first site: its clock is the legal entity's
    month: dt.date  # first day of the month being closed
    close_start_day: int  # day index of the first day of the following month

    @property
    def name(self) -> str:
        return self.month.strftime("%Y-%m")


def close_instability(world: World) -> np.ndarray:
    """(legal entities, days) in [0, 1]: how much go-live work disturbs each legal entity's close."""
    day = np.arange(world.days)[None, :]
    go_live = world.go_live_day[:, None]
    settle = np.maximum(world.network.array("recovery_days"), MINIMUM_SETTLING_DAYS)[:, None]
    since = day - go_live
    per_site = np.where(
        since >= 0, np.exp(-np.maximum(since, 0) / settle), np.where(since >= -PREPARATION_DAYS, 0.4, 0.0)
    )
    entities = world.network.legal_entities
    site_entity = np.array([entities.index(site.legal_entity) for site in world.network.sites])
    return np.stack([per_site[site_entity == entity].max(axis=0) for entity in range(len(entities))])


def close_periods(world: World) -> list[Period]:
    """Every month whose close starts within the range (including the month before the start date)."""
    entities = world.network.legal_entities
    first_site = [next(i for i, s in enumerate(world.network.sites) if s.legal_entity == le) for le in entities]
    last_date = world.start + dt.timedelta(days=world.days - 1)
    month = _first_of_month(world.start.replace(day=1) - dt.timedelta(days=1))
    periods = []
    while (close_start := _next_month(month)) <= last_date:
        for entity, site in enumerate(first_site):
            periods.append(Period(entity, site, month, (close_start - world.start).days))
        month = close_start
    return periods


def _first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _next_month(month: dt.date) -> dt.date:
    return (month + dt.timedelta(days=32)).replace(day=1)


def _workday_index(world: World, close_start_day: int, workday: int) -> int:
    """Day index of the n-th Monday-to-Friday day from close_start_day on."""
    day, found = close_start_day, 0
    while True:
        if int(world.weekday(np.array(day))) < 5:
            found += 1
            if found == workday:
                return day
        day += 1


@dataclass(frozen=True)
class CloseTasks:
    period: np.ndarray  # index into the periods list
    task: np.ndarray
    due: np.ndarray
    completed: np.ndarray
    is_completed: np.ndarray


def build_close_tasks(world: World, periods: list[Period]) -> CloseTasks:
    rng = world.rng("close-tasks")
    instability = close_instability(world)
    period_parts, task_parts, due_parts, completed_parts = [], [], [], []
    for index, period in enumerate(periods):
        tasks = np.arange(len(codes.CLOSE_TASKS))
        due_day = np.array([_workday_index(world, period.close_start_day, int(w)) for w in DUE_WORKDAY])
        site = np.full(len(tasks), period.site)
        due = world.at_local(site, due_day, np.full(len(tasks), DUE_HOUR * HOUR))
        level = instability[period.legal_entity, int(np.clip(period.close_start_day + 3, 0, world.days - 1))]
        level = level if period.close_start_day + 3 >= 0 else 0.0
        shock = level * rng.uniform(0, 96)
        slip_hours = rng.normal(-10, 12, len(tasks)) + level * rng.gamma(1.5, 40, len(tasks)) + shock
        completed = due + (slip_hours * HOUR).astype(np.int64)
        period_parts.append(np.full(len(tasks), index))
        task_parts.append(tasks)
        due_parts.append(due)
        completed_parts.append(completed)
    period = np.concatenate(period_parts) if periods else np.zeros(0, dtype=np.int64)
    site = np.array([periods[p].site for p in period], dtype=np.int64)
    completed = np.concatenate(completed_parts) if periods else np.zeros(0, dtype=np.int64)
    return CloseTasks(
        period=period,
        task=np.concatenate(task_parts) if periods else np.zeros(0, dtype=np.int64),
        due=np.concatenate(due_parts) if periods else np.zeros(0, dtype=np.int64),
        completed=completed,
        is_completed=completed < range_end(world, site),
    )


def close_task_frame(world: World, periods: list[Period], tasks: CloseTasks) -> Frame:
    """Tasks delivered open when the close starts and again when completed.

    Finance exports local time with its offset, so every close timestamp carries one.
    """
    n = len(tasks.period)
    site = np.array([periods[p].site for p in tasks.period], dtype=np.int64)
    with_offset = np.ones(n, dtype=bool)
    opened_day = np.clip(np.array([periods[p].close_start_day for p in tasks.period], dtype=np.int64), 0, None)
    frame = Frame(
        {
            "task_id": Ids("CT", np.arange(n), ids_digits(n, 5)),
            "legal_entity": Texts(
                np.array([world.network.legal_entities[periods[p].legal_entity] for p in tasks.period], dtype=object)
            ),
            "period": Texts(np.array([periods[p].name for p in tasks.period], dtype=object)),
            "task_name": Texts(np.array([codes.CLOSE_TASKS[t] for t in tasks.task], dtype=object)),
            "due_at": world.timestamps(site, tasks.due, with_offset),
            "completed_at": world.timestamps(site, tasks.completed, with_offset, tasks.is_completed),
        },
        opened_day.astype(np.int32),
    )
    completed_day = np.clip(world.local_day(site, tasks.completed), 0, None)
    return redeliver_when_set(frame, "completed_at", tasks.is_completed, completed_day, opened_day)


def close_adjustment_frame(world: World, periods: list[Period], tasks: CloseTasks) -> Frame:
    """Journal adjustments posted during the close, and a few after it (many more around go-live)."""
    rng = world.rng("close-adjustments")
    instability = close_instability(world)
    period_parts, posted_parts = [], []
    for index, period in enumerate(periods):
        mine = tasks.period == index
        period_end = world.at_local(np.array([period.site]), np.array([period.close_start_day]), np.array([0]))[0]
        last_completed = int(tasks.completed[mine].max())
        during = rng.poisson(12)
        posted = [period_end + rng.integers(HOUR, max(last_completed - period_end, 2 * HOUR), during)]
        if tasks.is_completed[mine].all():
            level = instability[period.legal_entity, int(np.clip(period.close_start_day + 3, 0, world.days - 1))]
            level = level if period.close_start_day + 3 >= 0 else 0.0
            after = rng.poisson(0.5 + 6.0 * level)
            posted.append(last_completed + rng.integers(HOUR, 20 * 24 * HOUR, after))
        posted = np.concatenate(posted)
        period_parts.append(np.full(len(posted), index))
        posted_parts.append(posted)
    period = np.concatenate(period_parts) if periods else np.zeros(0, dtype=np.int64)
    posted = np.concatenate(posted_parts) if periods else np.zeros(0, dtype=np.int64)
    site = np.array([periods[p].site for p in period], dtype=np.int64)
    keep = posted < range_end(world, site)
    period, posted, site = period[keep], posted[keep], site[keep]
    order = np.lexsort((posted, period))
    period, posted, site = period[order], posted[order], site[order]
    n = len(period)
    magnitude = np.round(rng.lognormal(np.log(250_000), 1.2, n)).astype(np.int64)
    amount = np.where(rng.random(n) < 0.5, -magnitude, magnitude)
    return Frame(
        {
            "adjustment_id": Ids("CA", np.arange(n), ids_digits(n, 5)),
            "legal_entity": Texts(
                np.array([world.network.legal_entities[periods[p].legal_entity] for p in period], dtype=object)
            ),
            "period": Texts(np.array([periods[p].name for p in period], dtype=object)),
            "posted_at": world.timestamps(site, posted, np.ones(n, dtype=bool)),
            "amount": Decimals(amount, 2, np.ones(n, dtype=bool)),
        },
        np.clip(world.local_day(site, posted), 0, None).astype(np.int32),
    )
