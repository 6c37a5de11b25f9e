"""The privacy rule, its one definition: a group of fewer than MIN_GROUP_USERS users is never shown (site x role,
or a site's user-based KPI). The predicates are SQL written here, applied by the query modules with the bound
parameters below."""

from __future__ import annotations

# A group of fewer users than this is never shown (site x role, or a site's user-based KPI).
MIN_GROUP_USERS = 5


SUPPRESSED_LABEL = f"< {MIN_GROUP_USERS} users"


# KPIs whose denominator counts users of a site: suppressed when fewer than MIN_GROUP_USERS are provisioned.
USER_KPIS = ("active_user_rate", "spreadsheet_event_rate", "training_completion_rate", "tickets_per_100_users")


# The privacy predicate's bound parameters: a query that suppresses user KPIs passes both (DuckDB refuses an unused
# parameter, so a query of groups only passes GROUP_PARAMETERS).
GROUP_PARAMETERS = {"min_group_users": MIN_GROUP_USERS}


PRIVACY_PARAMETERS = {"user_kpis": list(USER_KPIS), **GROUP_PARAMETERS}


def is_small_group(users: str) -> str:
    """The privacy predicate, its one definition: a group of fewer than MIN_GROUP_USERS users (an unknown count
    is none) is never shown. ``users`` is a column expression written in this module, never a user's value."""
    return f"(coalesce({users}, 0) < $min_group_users)"


def is_suppressed_kpi(kpi: str, provisioned_users: str) -> str:
    """A user KPI (USER_KPIS) of a site with a small group of provisioned users: never shown."""
    return f"(list_contains(cast($user_kpis as varchar[]), {kpi}) and {is_small_group(provisioned_users)})"
