"""The queries each page runs with its default filters, for benchmarks/run.py to time (no Streamlit server).

The query cache is cleared before each page run, so every timing is of DuckDB answering, not of the cache.
"""

from __future__ import annotations

from collections.abc import Callable

from dashboards import data
from dashboards.queries import drill_down, trends


def page_queries() -> dict[str, Callable[[], None]]:
    all_sites = data.sites()
    site_ids = list(all_sites["site_id"])
    waves = sorted(all_sites["rollout_wave"].dropna().unique())
    first_date, _last_date, end_date = data.kpi_date_range()
    start_date = max(first_date, end_date.replace(day=1))
    week = data.scorecard_week(site_ids, end_date)
    first_site = site_ids[0]

    def uncached(run: Callable[[], object]) -> Callable[[], None]:
        def timed() -> None:
            data.clear_cache()
            run()

        return timed

    return {
        "Network review": uncached(
            lambda: (
                data.kpi_catalogue(),
                data.kpi_rollup(site_ids, start_date, end_date),
                data.kpi_rollup(site_ids, *data.previous_period(start_date, end_date)),
                data.kpi_rollup(site_ids, start_date, end_date, by_site=True),
                data.worst_movers(site_ids, week),
                data.wave_gates(waves, week),
                trends.network_weekly(site_ids, week),
            )
        ),
        "Site scorecard": uncached(
            lambda: (
                data.kpi_rollup([first_site], start_date, end_date),
                data.baselines([first_site]),
                data.peer_bands(start_date, end_date),
                data.site_weekly([first_site], ["line_fill_rate"], first_date, end_date),
                data.open_exceptions(first_site, end_date),
                data.site_data_quality_issues(first_site),
                drill_down.drill_down(first_site, "line_fill_rate", start_date, end_date),
                trends.benchmark_bands(),
            )
        ),
        "Hypercare tracker": uncached(
            lambda: (
                data.wave_summary(waves),
                data.hypercare_curves(site_ids, "pick_accuracy", end_date),
                data.recoveries(site_ids),
                data.sites_holding_waves_back(waves, week),
            )
        ),
        "Adoption": uncached(
            lambda: (
                data.site_weekly(site_ids, ["active_user_rate", "spreadsheet_event_rate"], first_date, end_date),
                data.users_by_role(site_ids, end_date),
                data.ticket_themes(site_ids, start_date, end_date),
                data.readiness(site_ids),
            )
        ),
        "Finance close": uncached(lambda: data.close_periods(site_ids, end_date)),
        "Data quality": uncached(lambda: (data.data_quality_issues(), data.freshness())),
        "KPI dictionary": uncached(lambda: (data.kpi_dictionary(), trends.benchmark_bands())),
    }
