"""People and the new ERP: usage events, training completions and help-desk tickets.

Users start using the ERP at go-live after a site-specific lag; spreadsheet round-trips (export/import)
are common right after go-live and fade as people trust the system, except at a struggling site.
"""

from __future__ import annotations

import numpy as np

from simulator import codes
from simulator.columns import Booleans, Codes, Decimals, Frame, Ids, redeliver_when_set
from simulator.master_data import Staff, site_codes
from simulator.order_flow import HOUR, range_end
from simulator.world import WEEKDAY_OFFICE, World, expand_grid, ids_digits

# Relative ERP activity of a user by role (ROLES order): pickers mostly scan, clerks live in the ERP.
ROLE_ACTIVITY = np.array([1.6, 0.6, 1.2, 1.0, 0.8, 1.2, 1.0, 1.3, 0.5])
# Share of a role's events that come through the API (integrations, scripts) rather than the UI.
ROLE_API_SHARE = np.array([0.02, 0.01, 0.03, 0.05, 0.02, 0.12, 0.18, 0.06, 0.02])
# Median duration in seconds by usage channel (ui, api, export, import).
CHANNEL_SECONDS = np.array([45.0, 2.0, 90.0, 240.0])


def spreadsheet_share(world: World) -> np.ndarray:
    """(sites, days) share of usage events that are spreadsheet exports or imports.

    Highest at go-live, decaying with a time constant 1.5 times the site's recovery; a struggling site
    settles at a much higher share (people keep their spreadsheets).
    """
    parameters = world.parameters
    day = np.arange(world.days)[None, :]
    since = np.maximum(day - world.go_live_day[:, None], 0)
    tau = 1.5 * world.network.array("recovery_days")[:, None]
    settled = np.where(
        world.is_struggling, parameters.struggling_spreadsheet_share_settled, parameters.spreadsheet_share_settled
    )[:, None]
    peak = np.maximum(parameters.spreadsheet_share_at_go_live, settled + 0.1)
    return settled + (peak - settled) * np.exp(-since / tau)


def usage_event_frame(world: World, staff: Staff) -> Frame:
    parameters = world.parameters
    rng = world.rng("usage-events")
    day = np.arange(world.days)
    active = (
        (day[None, :] >= staff.first_active_day[:, None])
        & (day[None, :] < staff.deactivated_day[:, None])
        & (day[None, :] >= staff.provisioned_day[:, None])
    )
    engagement = rng.lognormal(0.0, 0.35, len(staff)) * np.where(world.is_struggling[staff.site], 0.7, 1.0)
    rate = (
        parameters.usage_events_per_user_day
        * parameters.scale
        * (ROLE_ACTIVITY[staff.role] * engagement)[:, None]
        * WEEKDAY_OFFICE[world.weekday(day)][None, :]
    )
    counts = rng.poisson(np.where(active, rate, 0.0))
    user, day = expand_grid(counts)
    n = len(user)
    site = staff.site[user]
    role = staff.role[user]
    occurred = world.at_local(site, day, world.business_seconds(rng, n, 12.0, 2.8))
    share = spreadsheet_share(world)[site, day]
    draw = rng.random(n)
    channel = np.select([draw < 0.6 * share, draw < share, draw < share + ROLE_API_SHARE[role]], [2, 3, 1], 0).astype(
        np.int16
    )
    code_values, code_table, code_counts = _transaction_code_table()
    transaction = code_table[role, (rng.random(n) * code_counts[role]).astype(np.int64)]
    duration = np.round(CHANNEL_SECONDS[channel] * rng.lognormal(0.0, 0.7, n) * 10).astype(np.int64)
    return Frame(
        {
            "event_id": Ids("UE", np.arange(n), ids_digits(n, 8)),
            "user_id": staff.ids(user),
            "occurred_at": world.timestamps(site, occurred, np.zeros(n, dtype=bool)),
            "transaction_code": Codes(code_values, transaction.astype(np.int16)),
            "channel": Codes(codes.USAGE_CHANNELS, channel),
            "duration_seconds": Decimals(np.maximum(duration, 1), 1, np.ones(n, bool)),
        },
        day,
    )


def _transaction_code_table() -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """All transaction codes, and per role (rows in ROLES order) the indices of that role's codes."""
    values = tuple(dict.fromkeys(code for role in codes.ROLES for code in codes.TRANSACTION_CODES[role]))
    width = max(len(codes.TRANSACTION_CODES[role]) for role in codes.ROLES)
    table = np.zeros((len(codes.ROLES), width), dtype=np.int64)
    for row, role in enumerate(codes.ROLES):
        role_codes = codes.TRANSACTION_CODES[role]
        table[row, : len(role_codes)] = [values.index(code) for code in role_codes]
    counts = np.array([len(codes.TRANSACTION_CODES[role]) for role in codes.ROLES])
    return values, table, counts


def training_completion_frame(world: World, staff: Staff) -> Frame:
    """Attempts at required (and one optional) course: most pass before go-live, some late, some fail
    first and pass later, some never pass. A struggling site trains worse."""
    rng = world.rng("training")
    courses = tuple(dict.fromkeys(c for role in codes.ROLES for c in codes.TRAINING_REQUIREMENTS.get(role, ())))
    courses = (*courses, codes.OPTIONAL_COURSE)
    user_parts, course_parts = [], []
    for role_index, role in enumerate(codes.ROLES):
        members = np.flatnonzero(staff.role == role_index)
        for course in codes.TRAINING_REQUIREMENTS.get(role, ()):
            user_parts.append(members)
            course_parts.append(np.full(len(members), courses.index(course)))
    optional = np.flatnonzero(rng.random(len(staff)) < 0.2)
    user = np.concatenate([*user_parts, optional])
    course = np.concatenate([*course_parts, np.full(len(optional), len(courses) - 1)])
    n = len(user)

    site = staff.site[user]
    struggling = world.is_struggling[site]
    outcome_draw = rng.random(n)
    # on time, late, failed then passed, never passed
    bounds = np.where(struggling[:, None], [0.45, 0.67, 0.79], [0.78, 0.88, 0.95])
    outcome = (outcome_draw[:, None] >= bounds).sum(axis=1)
    provisioned = staff.provisioned_day[user]
    go_live = world.go_live_day[site]
    window = np.maximum(go_live - provisioned, 1)
    on_time = np.where(
        provisioned < go_live,
        provisioned + (rng.random(n) * window).astype(np.int64),
        provisioned + rng.integers(0, 8, n),
    )
    late = np.maximum(go_live, provisioned + 8) + 1 + np.floor(rng.exponential(12.0, n)).astype(np.int64)
    retry = on_time + rng.integers(1, 11, n)
    never_tried = rng.random(n) < 0.6

    first_day = np.where(outcome == 1, late, on_time)
    first_passed = outcome <= 1
    has_first = ~((outcome == 3) & never_tried)
    has_retry = outcome == 2
    attempt_user = np.concatenate([user[has_first], user[has_retry]])
    attempt_course = np.concatenate([course[has_first], course[has_retry]])
    attempt_day = np.concatenate([first_day[has_first], retry[has_retry]])
    passed = np.concatenate([first_passed[has_first], np.ones(int(has_retry.sum()), dtype=bool)])
    keep = (attempt_day < world.days) & (attempt_day < staff.deactivated_day[attempt_user]) & (attempt_day >= 0)
    attempt_user, attempt_course, attempt_day, passed = (
        a[keep] for a in (attempt_user, attempt_course, attempt_day, passed)
    )
    m = len(attempt_user)
    attempt_site = staff.site[attempt_user]
    completed = world.at_local(attempt_site, attempt_day, world.business_seconds(rng, m, 13.0, 2.5))
    return Frame(
        {
            "completion_id": Ids("TC", np.arange(m), ids_digits(m, 6)),
            "user_id": staff.ids(attempt_user),
            "course_id": Codes(courses, attempt_course.astype(np.int16)),
            "completed_at": world.timestamps(attempt_site, completed, np.zeros(m, dtype=bool)),
            "passed": Booleans(passed, np.ones(m, dtype=bool)),
        },
        attempt_day.astype(np.int32),
    )


def helpdesk_ticket_frame(world: World, staff: Staff) -> Frame:
    """Tickets: a trickle about the legacy system, a surge after go-live that decays with recovery."""
    parameters = world.parameters
    rng = world.rng("helpdesk")
    day = np.arange(world.days)
    provisioned = np.zeros((world.site_count, world.days))
    for site_index in range(world.site_count):
        mine = staff.site == site_index
        provisioned[site_index] = (
            (staff.provisioned_day[mine][:, None] <= day) & (staff.deactivated_day[mine][:, None] > day)
        ).sum(axis=0)
    headcount = np.array(
        [max(int((staff.site == s).sum()), parameters.users_per_site_min) for s in range(world.site_count)]
    )
    go_live = world.go_live_day[:, None]
    preparing = (day[None, :] >= go_live - 14) & (day[None, :] < go_live)
    rate = (
        parameters.tickets_per_100_users_day / 100.0 * np.maximum(provisioned, headcount[:, None])
        + parameters.ticket_surge_per_user_day * provisioned * world.disruption
        + 0.02 * provisioned * preparing
    ) * WEEKDAY_OFFICE[world.weekday(day)][None, :]
    site, day = expand_grid(rng.poisson(rate))
    n = len(site)
    stretch = world.disruption_at(site, day)
    before = np.array([0.1, 0.1, 0.2, 0.2, 0.3, 0.05, 0.05])
    after = np.array([0.25, 0.3, 0.15, 0.08, 0.05, 0.1, 0.07])
    weights = (1 - stretch)[:, None] * before + stretch[:, None] * after
    cumulative = np.cumsum(weights, axis=1) / weights.sum(axis=1, keepdims=True)
    category = np.minimum((rng.random(n)[:, None] > cumulative).sum(axis=1), len(codes.TICKET_CATEGORIES) - 1)
    priority_weights = np.array([0.03, 0.15, 0.52, 0.30])[None, :] + np.outer(stretch, [0.02, 0.15, -0.1, -0.07])
    priority = (rng.random(n)[:, None] > np.cumsum(priority_weights, axis=1)).sum(axis=1).clip(0, 3)
    opened = world.at_local(site, day, world.business_seconds(rng, n, 11.0, 2.8))
    median_hours = np.array([4.0, 12.0, 30.0, 60.0])[priority] * (1 + stretch)
    resolved = opened + (median_hours * HOUR * rng.lognormal(0.0, 0.9, n)).astype(np.int64)
    is_resolved = (rng.random(n) >= 0.03) & (resolved < range_end(world, site))
    user = staff.choose(rng, site, day, codes.ROLES)
    legacy = world.is_legacy(site, day)
    frame = Frame(
        {
            "ticket_id": Ids("HD", np.arange(n), ids_digits(n, 6)),
            "site_id": site_codes(world, site),
            "user_id": staff.ids(user),
            "category": Codes(codes.TICKET_CATEGORIES, category.astype(np.int16)),
            "priority": world.coded(
                "helpdesk_tickets.priority", priority, site, legacy, rng, unmapped_eligible=priority == 1
            ),
            "opened_at": world.timestamps(site, opened, legacy),
            "resolved_at": world.timestamps(site, resolved, legacy, is_resolved),
        },
        day,
    )
    return redeliver_when_set(frame, "resolved_at", is_resolved, world.local_day(site, resolved), day)
