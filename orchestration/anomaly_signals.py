"""marts.kpi_anomalies and marts.delivery_gaps: read what the detectors judge, run them, write the two marts.

The detectors (orchestration/detectors.py) need a trimmed running baseline and a recursive CUSUM, which do not fit
the engine-neutral SQL of the dbt project, so this is Python: it reads the built marts and staging relations of
the working database and writes the two marts beside the dbt ones (the asset is in orchestration/signals.py);
publish copies them with the rest. Columns are declared in KPI_ANOMALY_COLUMNS and DELIVERY_GAP_COLUMNS (and
docs/kpis.md "Signals").
"""

import dataclasses
import datetime as dt

import duckdb
import numpy as np
import pyarrow as pa

from orchestration.detectors import (
    DeliveryGap,
    KpiAnomaly,
    KpiSeries,
    detect_delivery_gaps,
    detect_kpi_anomalies,
    settling_days,
)
from orchestration.python_marts import Column, write_mart

KPI_ANOMALY_COLUMNS = (
    ("site_id", "varchar", "The site."),
    ("kpi", "varchar", "The KPI (kpi_daily.kpi); only additive ratio KPIs are judged."),
    ("kpi_date", "date", "The flagged day (kpi_daily.kpi_date). Grain: site_id, kpi, kpi_date."),
    ("kind", "varchar", "spike (|score| at or above the spike threshold) or level_shift (CUSUM above threshold)."),
    (
        "anomaly_start_date",
        "date",
        "First day of the departure: for a level shift the day its CUSUM last left zero, for a spike the first "
        "of its consecutive spike days.",
    ),
    ("observed_value", "double", "numerator / denominator of the day."),
    (
        "expected_value",
        "double",
        "Pooled rate of the baseline window (days far from its median left out); in the go-live window the "
        "hypercare line projected to the day.",
    ),
    ("lower_bound", "double", "expected_value - threshold x the day's standard error."),
    ("upper_bound", "double", "expected_value + threshold x the day's standard error."),
    ("numerator", "double", "kpi_daily.numerator of the day."),
    ("denominator", "double", "kpi_daily.denominator of the day (at least the minimum volume)."),
    ("score", "double", "(observed - expected) / standard error of a day of this volume; signed."),
    ("cusum", "double", "The CUSUM in the score's direction (positive up, negative down) on that day."),
    ("direction", "varchar", "worse or better, by the KPI's direction (kpi_definitions.direction)."),
    ("kpi_direction", "varchar", "higher or lower: which way the KPI is better."),
    (
        "in_go_live_window",
        "boolean",
        "The day lies in the site's go-live window (go-live day and the 27 days after): judged against the "
        "hypercare curve (a line through the KPI's last 7 days) instead of the norm before go-live.",
    ),
    ("detector", "varchar", "The detector that raised it (robust_baseline_cusum)."),
)
DELIVERY_GAP_COLUMNS = (
    ("site_id", "varchar", "The site."),
    ("entity", "varchar", "The contract entity (a staging relation with a site_id)."),
    ("gap_date", "date", "The delivery day (from the file name) that fell silent. Grain: site_id, entity, gap_date."),
    ("gap_start_date", "date", "First day of consecutive gap days of the site and entity."),
    ("expected_rows", "double", "Median rows of the same weekday over the previous 4 weeks."),
    ("observed_rows", "bigint", "Rows of the site in that day's delivery (latest version of each key)."),
    ("other_sites_delivering", "bigint", "Other sites with rows of the entity that day (at least one)."),
    ("detector", "varchar", "The detector that raised it (weekday_median)."),
)

# A site's last calendar day (its daily level KPIs have a row on each): later days have not happened yet, and the
# last days of a KPI whose numerator comes later are not judged yet (detectors.settling_days).
KPI_SERIES_SQL = """
with rated as (
    select
        kpi,
        direction,
        day_definition
    from marts.kpi_definitions
    where unit = 'ratio' and aggregation = 'additive'
),

site_last_dates as (
    select site_id, max(kpi_date) as last_date from marts.kpi_daily where kpi in ('exception_backlog', 'ticket_backlog')
    group by site_id
)

select
    kpi_daily.site_id,
    kpi_daily.kpi,
    rated.direction,
    kpi_daily.kpi_date,
    kpi_daily.numerator,
    kpi_daily.denominator,
    sites.go_live_date,
    site_last_dates.last_date,
    rated.day_definition
from marts.kpi_daily
inner join rated on kpi_daily.kpi = rated.kpi
left join staging.stg_erp__sites as sites on kpi_daily.site_id = sites.site_id
left join site_last_dates on kpi_daily.site_id = site_last_dates.site_id
where kpi_daily.numerator is not null and kpi_daily.denominator is not null
order by kpi_daily.site_id, kpi_daily.kpi, kpi_daily.kpi_date
"""


def read_kpi_series(con: duckdb.DuckDBPyConnection) -> list[KpiSeries]:
    rows = con.execute(KPI_SERIES_SQL).fetchall()
    grouped: dict[tuple[str, str], list[tuple]] = {}
    for row in rows:
        grouped.setdefault((row[0], row[1]), []).append(row)
    series = []
    for (site_id, kpi), days in grouped.items():
        first, last = days[0][3], days[-1][3]
        length = (last - first).days + 1
        numerator, denominator = np.zeros(length), np.zeros(length)
        for _site, _kpi, _direction, kpi_date, day_numerator, day_denominator, *_ in days:
            index = (kpi_date - first).days
            numerator[index], denominator[index] = day_numerator, day_denominator
        site_last_date, day_definition = days[0][7], days[0][8]
        last_complete_date = None
        if site_last_date is not None:
            last_complete_date = site_last_date - dt.timedelta(days=settling_days(kpi, day_definition or ""))
        series.append(
            KpiSeries(
                site_id,
                kpi,
                days[0][2],
                first,
                numerator,
                denominator,
                days[0][6],
                last_complete_date=last_complete_date,
            )
        )
    return series


def gap_entities(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Contract entities whose staging relation carries a site_id and the delivery file's name."""
    rows = con.execute(
        """
        select table_name from information_schema.columns
        where table_schema = 'staging' and starts_with(table_name, 'stg_erp__') and table_name <> 'stg_erp__rejects'
        group by table_name
        having count(*) filter (where column_name = 'site_id') = 1
           and count(*) filter (where column_name = 'source_file_name') = 1
        order by table_name
        """
    ).fetchall()
    return [name.removeprefix("stg_erp__") for (name,) in rows]


def read_delivery_rows(
    con: duckdb.DuckDBPyConnection, entity: str
) -> tuple[list[str], dt.date, np.ndarray, np.ndarray] | None:
    """Rows per site and delivery day of one entity, dense from its first to its last delivery day."""
    relation = f'staging."stg_erp__{entity}"'
    rows = con.execute(
        f"""
        with dated as (
            select
                site_id,
                try_strptime(regexp_extract(source_file_name, '(\\d{{8}})\\.[a-z]+$', 1), '%Y%m%d')::date
                    as delivery_date
            from {relation}
            where site_id is not null
        )
        select site_id, delivery_date, count(*) from dated
        where delivery_date is not null
        group by all
        order by site_id, delivery_date
        """
    ).fetchall()
    if not rows:
        return None
    sites = sorted({row[0] for row in rows})
    first = min(row[1] for row in rows)
    days = (max(row[1] for row in rows) - first).days + 1
    counts = np.zeros((len(sites), days))
    for site_id, delivery_date, count in rows:
        counts[sites.index(site_id), (delivery_date - first).days] = count
    site_first = np.array([int(np.flatnonzero(counts[index])[0]) for index in range(len(sites))])
    return sites, first, counts, site_first


def find_kpi_anomalies(con: duckdb.DuckDBPyConnection) -> list[KpiAnomaly]:
    return [anomaly for series in read_kpi_series(con) for anomaly in detect_kpi_anomalies(series)]


def find_delivery_gaps(con: duckdb.DuckDBPyConnection) -> list[DeliveryGap]:
    found = []
    for entity in gap_entities(con):
        delivered = read_delivery_rows(con, entity)
        if delivered is not None:
            sites, first, counts, site_first = delivered
            found.extend(detect_delivery_gaps(entity, sites, first, counts, site_first))
    return found


def signal_rows(columns: tuple[Column, ...], records: list) -> pa.Table:
    """The detectors' records (dataclasses with these fields) as an Arrow table of the declared columns."""
    rows = [dataclasses.asdict(record) for record in records]
    return pa.table({name: [row[name] for row in rows] for name, _, _ in columns})


def write_signals(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    anomalies = write_mart(
        con, "marts.kpi_anomalies", KPI_ANOMALY_COLUMNS, signal_rows(KPI_ANOMALY_COLUMNS, find_kpi_anomalies(con))
    )
    gaps = write_mart(
        con, "marts.delivery_gaps", DELIVERY_GAP_COLUMNS, signal_rows(DELIVERY_GAP_COLUMNS, find_delivery_gaps(con))
    )
    return anomalies, gaps
