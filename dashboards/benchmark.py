"""The queries each page runs with its default filters, for benchmarks/run.py to time (no Streamlit server).

The query cache is cleared before each page run, so every timing is of DuckDB answering, not of the cache.
"""

from __future__ import annotations

from collections.abc import Callable

from dashboards.queries import (
    adoption,
    connection,
    drill_down,
    finance,
    hypercare,
    network,
    quality,
    reference,
    rollup,
    site,
    trends,
)


def page_queries() -> dict[str, Callable[[], None]]:
    all_sites = reference.sites()
    site_ids = list(all_sites["site_id"])
    waves = sorted(all_sites["rollout_wave"].dropna().unique())
    first_date, _last_date, end_date = reference.kpi_date_range()
    start_date = max(first_date, end_date.replace(day=1))
    week = network.scorecard_week(site_ids, end_date)
    first_site = site_ids[0]

    def uncached(run: Callable[[], object]) -> Callable[[], None]:
        def timed() -> None:
            connection.clear_cache()
            run()

        return timed

    return {
        "Network review": uncached(
            lambda: (
                reference.kpi_catalogue(),
                rollup.kpi_rollup(site_ids, start_date, end_date),
                rollup.kpi_rollup(site_ids, *rollup.previous_period(start_date, end_date)),
                rollup.kpi_rollup(site_ids, start_date, end_date, by_site=True),
                network.worst_movers(site_ids, week),
                network.wave_gates(waves, week),
                trends.network_weekly(site_ids, week),
            )
        ),
        "Site scorecard": uncached(
            lambda: (
                rollup.kpi_rollup([first_site], start_date, end_date),
                site.baselines([first_site]),
                rollup.peer_bands(start_date, end_date),
                site.site_weekly([first_site], ["line_fill_rate"], first_date, end_date),
                site.exception_backlog_breakdown(first_site, end_date),
                quality.site_data_quality_issues(first_site),
                drill_down.drill_down(first_site, "line_fill_rate", start_date, end_date),
                trends.benchmark_bands(),
            )
        ),
        "Hypercare tracker": uncached(
            lambda: (
                hypercare.wave_summary(waves),
                hypercare.hypercare_curves(site_ids, "pick_accuracy", end_date),
                hypercare.recoveries(site_ids),
                hypercare.sites_holding_waves_back(waves, week),
            )
        ),
        "Adoption": uncached(
            lambda: (
                site.site_weekly(site_ids, ["active_user_rate", "spreadsheet_event_rate"], first_date, end_date),
                adoption.users_by_role(site_ids, end_date),
                adoption.ticket_themes(site_ids, start_date, end_date),
                adoption.readiness(site_ids),
            )
        ),
        "Finance close": uncached(lambda: finance.close_periods(site_ids, end_date)),
        "Data quality": uncached(lambda: (quality.data_quality_issues(), quality.freshness())),
        "KPI dictionary": uncached(lambda: (reference.kpi_dictionary(), trends.benchmark_bands())),
    }
