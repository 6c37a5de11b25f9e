"""The synthetic distributor tells the rollout story and keeps the extract contract.

Everything is read back from the generated CSV files with DuckDB, the way a loader would see them
(latest delivery of a key wins), without the warehouse.
"""

from __future__ import annotations

import datetime as dt
import filecmp
import json
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
import yaml

from simulator import codes, generate, generate_sample, load_parameters
from simulator.__main__ import main
from simulator.distributor import ENTITY_BUILDERS, WORKER_SHARES
from simulator.generator import SAMPLE_CONFIG, SAMPLE_DIR

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CONTRACT = yaml.safe_load((PROJECT_ROOT / "orchestration" / "contract.yml").read_text(encoding="utf-8"))
ENTITIES = CONTRACT["entities"]
STRUGGLING_SITE = "NWK1"


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled sample's settings, regenerated: the data most tests read."""
    out = tmp_path_factory.mktemp("sample")
    generate_sample(out)
    return out


@pytest.fixture(scope="module")
def warehouse(sample: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = load(sample)
    yield con
    con.close()


def load(extracts: Path) -> duckdb.DuckDBPyConnection:
    """Per entity, every delivered row (`raw_<entity>`) and a view of the latest version of each key."""
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    for entity, spec in {**ENTITIES, "code_map": {"key": ["domain", "source_code"]}}.items():
        key = ", ".join(spec["key"])
        con.execute(
            f"create table raw_{entity} as select * from read_csv('{extracts}/{entity}/*.csv', "
            "all_varchar = true, filename = true, header = true)"
        )
        con.execute(
            f"create view {entity} as select * from raw_{entity} "
            f"qualify row_number() over (partition by {key} order by filename desc) = 1"
        )
    con.execute(
        "create view live_sites as select site_id, cast(go_live_date as date) as go_live_date "
        "from sites where go_live_date is not null"
    )
    return con


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def canonical(domain: str, column: str) -> str:
    """SQL for a coded column translated through code_map (legacy code -> canonical code)."""
    return (
        f"coalesce((select canonical_code from code_map where domain = '{domain}' "
        f"and upper(trim(source_code)) = upper(trim({column}))), {column})"
    )


# --- determinism ---------------------------------------------------------------------------------------


def test_same_seed_writes_identical_bytes_and_another_seed_does_not(tmp_path: Path) -> None:
    settings = {"sites": 3, "days": 50, "config": SAMPLE_CONFIG}
    generate(tmp_path / "a", seed=11, **settings)
    generate(tmp_path / "b", seed=11, **settings)
    generate(tmp_path / "c", seed=12, **settings)
    assert _tree_differences(tmp_path / "a", tmp_path / "b") == []
    assert _tree_differences(tmp_path / "a", tmp_path / "c") != []


def test_writer_processes_do_not_change_the_output(tmp_path: Path) -> None:
    settings = {"sites": 2, "days": 30, "config": SAMPLE_CONFIG}
    generate(tmp_path / "one", workers=1, **settings)
    generate(tmp_path / "two", workers=2, **settings)
    assert _tree_differences(tmp_path / "one", tmp_path / "two") == []


def test_the_two_writer_processes_share_out_every_entity_once() -> None:
    first, second = WORKER_SHARES
    assert not set(first) & set(second)
    assert sorted(first + second) == sorted(ENTITY_BUILDERS) == sorted(ENTITIES)


def test_regenerating_into_a_used_folder_removes_stale_days(tmp_path: Path) -> None:
    settings = {"sites": 2, "config": SAMPLE_CONFIG}
    generate(tmp_path / "reused", days=40, **settings)
    generate(tmp_path / "reused", days=20, **settings)
    generate(tmp_path / "fresh", days=20, **settings)
    assert _tree_differences(tmp_path / "reused", tmp_path / "fresh") == []


def test_parquet_delivers_the_same_rows_as_csv(tmp_path: Path) -> None:
    settings = {"sites": 2, "days": 20, "config": SAMPLE_CONFIG}
    generate(tmp_path / "csv", **settings)
    generate(tmp_path / "parquet", file_format="parquet", **settings)
    con = duckdb.connect()
    for entity in ("sales_orders", "picks", "process_events", "code_map"):
        csv_rows = rows(con, f"select count(*) from read_csv('{tmp_path}/csv/{entity}/*.csv', all_varchar = true)")
        parquet_rows = rows(con, f"select count(*) from read_parquet('{tmp_path}/parquet/{entity}/*.parquet')")
        assert csv_rows == parquet_rows and csv_rows[0][0] > 0, entity


def test_config_file_overrides_parameters_and_rejects_unknown_keys(tmp_path: Path) -> None:
    config = tmp_path / "small.json"
    config.write_text(json.dumps({"scale": 0.02, "wave_go_live_days": [10, 20]}), encoding="utf-8")
    parameters = load_parameters(config)
    assert (parameters.scale, parameters.wave_go_live_days) == (0.02, (10, 20))
    typo = tmp_path / "typo.yml"
    typo.write_text("scale_factor: 2\n", encoding="utf-8")
    with pytest.raises(ValueError, match="scale_factor"):
        load_parameters(typo)


def test_command_line_reports_rows_files_and_speed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    arguments = ["--out", str(tmp_path), "--sites", "2", "--days", "10", "--seed", "3", "--config", str(SAMPLE_CONFIG)]
    assert main(arguments) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("wrote ") and " files to " in printed and printed.rstrip().endswith("rows/s)")
    assert (tmp_path / "sites").is_dir()


def _tree_differences(left: Path, right: Path) -> list[str]:
    left_files = sorted(path.relative_to(left) for path in left.rglob("*") if path.is_file())
    right_files = sorted(path.relative_to(right) for path in right.rglob("*") if path.is_file())
    if left_files != right_files:
        return [f"file lists differ: {set(left_files) ^ set(right_files)}"]
    return [str(path) for path in left_files if not filecmp.cmp(left / path, right / path, shallow=False)]


# --- the bundled sample --------------------------------------------------------------------------------


def test_bundled_sample_is_what_the_documented_settings_generate(sample: Path) -> None:
    assert SAMPLE_DIR.is_dir(), "run `python -m simulator --sample` to build the bundled sample"
    assert _tree_differences(SAMPLE_DIR, sample) == []


def test_bundled_sample_stays_light() -> None:
    size = sum(path.stat().st_size for path in SAMPLE_DIR.rglob("*") if path.is_file())
    assert size < 8 * 1024 * 1024


def test_sample_has_two_waves_live_and_one_planned(warehouse: duckdb.DuckDBPyConnection) -> None:
    waves = rows(
        warehouse,
        "select rollout_wave, count(go_live_date), count(*) from sites group by rollout_wave order by 1",
    )
    assert waves == [("wave-1-pilot", 2, 2), ("wave-2", 2, 2), ("wave-3", 0, 2)]


def test_first_go_live_has_four_weeks_of_baseline(warehouse: duckdb.DuckDBPyConnection) -> None:
    (first_go_live, first_order), *_ = rows(
        warehouse,
        "select (select min(go_live_date) from live_sites), "
        "(select min(cast(cast(created_at as timestamptz) as date)) from sales_orders)",
    )
    assert (first_go_live - first_order).days >= 28


def test_reference_seeds_match_the_delivered_reference_tables(sample: Path) -> None:
    for name in ("code_map", "training_requirements"):
        seed = PROJECT_ROOT / "seeds" / "reference" / f"{name}.csv"
        assert seed.read_bytes() == (sample / name / f"{name}.csv").read_bytes()


# --- the contract --------------------------------------------------------------------------------------


def test_every_entity_is_delivered_with_the_contract_columns(sample: Path) -> None:
    for entity, spec in ENTITIES.items():
        files = sorted((sample / entity).glob("*.csv"))
        assert files, entity
        headers = {file.open(encoding="utf-8").readline().rstrip("\n") for file in files}
        assert headers == {",".join(spec["columns"])}, entity
        assert all(file.name.startswith(f"{entity}_") and len(file.stem) == len(entity) + 9 for file in files)


def test_every_delivered_row_keeps_the_contract(warehouse: duckdb.DuckDBPyConnection) -> None:
    """Zero rejects: required values present, every value of its type, codes canonical or mapped."""
    assert contract_problems(warehouse) == []


def test_other_sizes_and_dates_keep_the_contract_too(tmp_path: Path) -> None:
    """Ten sites (past the named ones), a start before the DST change and the new year."""
    generate(tmp_path, sites=10, days=90, start=dt.date(2025, 10, 20), seed=3, config=SAMPLE_CONFIG)
    con = load(tmp_path)
    assert contract_problems(con) == []
    assert rows(con, "select count(distinct site_id), count(distinct legal_entity) from sites") == [(10, 3)]


def contract_problems(con: duckdb.DuckDBPyConnection) -> list[str]:
    problems = []
    for entity, spec in ENTITIES.items():
        for column, rules in spec["columns"].items():
            for name, condition in _column_checks(entity, column, rules).items():
                bad = rows(con, f"select count(*) from raw_{entity} where not ({condition})")[0][0]
                if bad:
                    problems.append(f"{entity}.{column}: {bad} rows fail {name}")
    return problems


def _column_checks(entity: str, column: str, rules: dict) -> dict[str, str]:
    value = f'"{column}"'
    checks = {}
    if rules.get("required"):
        checks["required"] = f"{value} is not null"
    casts = {
        "int": f"try_cast({value} as bigint) is not null",
        "decimal": f"try_cast({value} as decimal(38, 6)) is not null",
        "bool": f"lower({value}) in ('true', 'false')",
        "date": f"try_cast({value} as date) between date '1970-01-01' and date '2099-12-31'",
        "timestamp": f"try_cast({value} as timestamptz) between timestamptz '1970-01-01 00:00:00+00' "
        "and timestamptz '2099-12-31 23:59:59+00' and regexp_matches("
        f"{value}, '^\\d{{4}}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(Z|[+-]\\d\\d:\\d\\d)$')",
    }
    if rules["type"] in casts:
        checks[rules["type"]] = f"{value} is null or ({casts[rules['type']]})"
    if "values" in rules:
        domain = f"{entity}.{column}"
        allowed = ", ".join(f"'{code}'" for code in rules["values"])
        mapped = f"select source_code from code_map where domain = '{domain}'"
        unmapped = codes.DELIBERATELY_UNMAPPED.get(domain, "")
        checks["codes"] = (
            f"{value} is null or {value} in ({allowed}) or {value} in ({mapped}) or {value} = '{unmapped}'"
        )
    constraints = {
        "positive": f"cast({value} as decimal(38, 6)) > 0",
        "non_negative": f"{value} is null or cast({value} as decimal(38, 6)) >= 0",
        "year_month": f"regexp_matches({value}, '^\\d{{4}}-(0[1-9]|1[0-2])$')",
        "iana_timezone": f"{value} in (select name from pg_timezone_names())",
    }
    if "constraint" in rules:
        checks[rules["constraint"]] = constraints[rules["constraint"]]
    return checks


def test_a_key_is_delivered_at_most_once_per_file(warehouse: duckdb.DuckDBPyConnection) -> None:
    for entity, spec in ENTITIES.items():
        key = ", ".join(spec["key"])
        duplicated = rows(
            warehouse, f"select count(*) from (select 1 from raw_{entity} group by filename, {key} having count(*) > 1)"
        )[0][0]
        assert duplicated == 0, entity


def test_later_files_correct_earlier_deliveries(warehouse: duckdb.DuckDBPyConnection) -> None:
    """Re-deliveries exist, and a corrected shipment quantity is the one that counts."""
    redelivered = {
        entity: rows(warehouse, f"select count(*) - (select count(*) from {entity}) from raw_{entity}")[0][0]
        for entity in ("sales_orders", "shipments", "invoices", "exceptions", "sites", "items")
    }
    assert all(count > 0 for count in redelivered.values()), redelivered
    (wrong, latest), *_ = rows(
        warehouse,
        "select min(cast(first.shipped_qty as decimal(18, 1))), min(cast(last.shipped_qty as decimal(18, 1))) "
        "from raw_shipments as first join shipments as last using (shipment_line_id) "
        "where first.filename < last.filename and first.shipped_qty <> last.shipped_qty",
    )
    assert wrong is not None and latest is not None


def test_sites_belong_to_legal_entities_in_one_timezone_each(warehouse: duckdb.DuckDBPyConnection) -> None:
    per_entity = rows(warehouse, "select legal_entity, count(distinct timezone) from sites group by 1")
    assert len(per_entity) >= 2 and all(zones == 1 for _, zones in per_entity)
    zones = {zone for (zone,) in rows(warehouse, "select distinct timezone from sites")}
    assert zones == {"America/Chicago", "America/New_York", "Europe/Berlin"}


def test_timestamps_mix_utc_and_site_offsets(warehouse: duckdb.DuckDBPyConnection) -> None:
    suffixes = {
        suffix
        for (suffix,) in rows(warehouse, "select distinct right(created_at, 6) from raw_sales_orders")
        if suffix[-1] != "Z"
    }
    assert {"-06:00", "-05:00", "+01:00"} <= suffixes


# --- referential integrity -----------------------------------------------------------------------------

REFERENCES = [
    ("sales_order_lines", "order_id", "sales_orders", "order_id"),
    ("shipments", "order_id, line_number", "sales_order_lines", "order_id, line_number"),
    ("picks", "order_id, line_number", "sales_order_lines", "order_id, line_number"),
    ("invoices", "order_id", "sales_orders", "order_id"),
    ("process_events", "case_id", "sales_orders", "order_id"),
    ("exceptions", "order_id", "sales_orders", "order_id"),
    ("usage_events", "user_id", "users", "user_id"),
    ("training_completions", "user_id", "users", "user_id"),
    ("helpdesk_tickets", "user_id", "users", "user_id"),
    ("picks", "user_id", "users", "user_id"),
    ("users", "site_id", "sites", "site_id"),
    ("sales_orders", "site_id", "sites", "site_id"),
    ("picks", "item_id", "items", "item_id"),
    ("sales_order_lines", "item_id", "items", "item_id"),
    ("receipts", "po_id", "purchase_orders", "po_id"),
    ("transfers", "to_site_id", "sites", "site_id"),
]


@pytest.mark.parametrize(("child", "columns", "parent", "parent_columns"), REFERENCES)
def test_every_reference_points_at_a_delivered_row(
    warehouse: duckdb.DuckDBPyConnection, child: str, columns: str, parent: str, parent_columns: str
) -> None:
    first = columns.split(",")[0]
    orphans = rows(
        warehouse,
        f"select count(*) from raw_{child} where {first} is not null "
        f"and ({columns}) not in (select ({parent_columns}) from {parent})",
    )[0][0]
    assert orphans == 0


def test_picks_and_shipments_happen_after_their_order(warehouse: duckdb.DuckDBPyConnection) -> None:
    early = rows(
        warehouse,
        "select count(*) from shipments join sales_orders using (order_id) "
        "where cast(shipped_at as timestamptz) < cast(created_at as timestamptz)",
    )[0][0]
    assert early == 0


def test_a_shipment_leaves_at_once_with_one_carrier(warehouse: duckdb.DuckDBPyConnection) -> None:
    mixed = rows(
        warehouse,
        "select count(*) from (select shipment_id from shipments group by 1 "
        "having count(distinct carrier) > 1 or count(distinct cast(shipped_at as timestamptz)) > 1)",
    )[0][0]
    assert mixed == 0


# --- the go-live story ---------------------------------------------------------------------------------


def _before_and_after(con: duckdb.DuckDBPyConnection, per_day_sql: str) -> tuple[float, float]:
    """Mean of a per-site daily measure in the 28 days before go-live and the 14 days from go-live."""
    return rows(
        con,
        f"with daily as ({per_day_sql}) "
        "select avg(value) filter (where day >= go_live_date - 28 and day < go_live_date), "
        "avg(value) filter (where day >= go_live_date and day < go_live_date + 14) "
        "from daily join live_sites using (site_id)",
    )[0]


def test_pick_errors_rise_after_go_live(warehouse: duckdb.DuckDBPyConnection) -> None:
    error = canonical("picks.error_code", "error_code")
    before, after = _before_and_after(
        warehouse,
        f"select site_id, cast(cast(picked_at as timestamptz) as date) as day, "
        f"avg(case when {error} is not null and {error} <> 'short' then 1.0 else 0.0 end) as value "
        "from picks group by all",
    )
    assert after > 3 * before


def test_line_fill_and_inventory_accuracy_dip_after_go_live(warehouse: duckdb.DuckDBPyConnection) -> None:
    status = canonical("sales_orders.status", "status")
    fill_before, fill_after = _before_and_after(
        warehouse,
        "with due as (select site_id, order_id, line_number, cast(requested_ship_date as date) as day, "
        "cast(ordered_qty as decimal(18, 1)) as ordered from sales_order_lines join sales_orders using (order_id) "
        f"where coalesce(is_cancelled, 'false') = 'false' and {status} <> 'cancelled'), "
        "shipped as (select order_id, line_number, cast(cast(shipped_at as timestamptz) as date) as day, "
        "cast(shipped_qty as decimal(18, 1)) as qty from shipments), "
        "first_day as (select order_id, line_number, min(day) as day from shipped group by all), "
        "first_qty as (select order_id, line_number, sum(qty) as qty from shipped "
        "join first_day using (order_id, line_number, day) group by all) "
        "select site_id, due.day, avg(case when coalesce(qty, 0) >= ordered then 1.0 else 0 end) as value "
        "from due left join first_qty using (order_id, line_number) group by all",
    )
    counts_before, counts_after = _before_and_after(
        warehouse,
        "select site_id, cast(cast(counted_at as timestamptz) as date) as day, "
        "avg(case when counted_qty = system_qty then 1.0 else 0 end) as value from inventory_counts group by all",
    )
    assert fill_after < fill_before - 0.04 and counts_after < counts_before - 0.04


@pytest.mark.parametrize("entity", ["exceptions", "helpdesk_tickets"])
def test_exceptions_and_tickets_surge_after_go_live(warehouse: duckdb.DuckDBPyConnection, entity: str) -> None:
    per_day_before, per_day_after = rows(
        warehouse,
        "with opened as (select site_id, cast(cast(opened_at as timestamptz) as date) as day "
        f"from {entity} join live_sites using (site_id)) "
        "select count(*) filter (where day >= go_live_date - 28 and day < go_live_date) / 28, "
        "count(*) filter (where day >= go_live_date and day < go_live_date + 14) / 14 "
        "from opened join live_sites using (site_id)",
    )[0]
    assert per_day_after > 2 * per_day_before


def test_struggling_site_keeps_spreadsheets_and_workarounds(warehouse: duckdb.DuckDBPyConnection) -> None:
    entry = canonical("sales_orders.entry_method", "entry_method")
    by_site = rows(
        warehouse,
        "with sheets as (select users.site_id, avg(case when channel in ('export', 'import') then 1.0 else 0 end) "
        "as share from usage_events join users using (user_id) join live_sites using (site_id) "
        "where cast(occurred_at as timestamptz) >= go_live_date group by all), "
        f"workarounds as (select site_id, avg(case when {entry} in ('spreadsheet_upload', 'offline') then 1.0 "
        "else 0 end) as share from sales_orders join live_sites using (site_id) "
        "where cast(created_at as timestamptz) >= go_live_date group by all) "
        "select site_id, sheets.share, workarounds.share from sheets join workarounds using (site_id)",
    )
    struggling = next(row for row in by_site if row[0] == STRUGGLING_SITE)
    others = [row for row in by_site if row[0] != STRUGGLING_SITE]
    assert others and all(struggling[1] > row[1] and struggling[2] > row[2] for row in others)


def test_struggling_site_has_not_recovered_by_the_end(warehouse: duckdb.DuckDBPyConnection) -> None:
    error = canonical("picks.error_code", "error_code")
    last_month = rows(
        warehouse,
        f"select site_id, avg(case when {error} is not null and {error} <> 'short' then 1.0 else 0 end) "
        "from picks join live_sites using (site_id) "
        "where cast(picked_at as timestamptz) >= (select max(cast(picked_at as timestamptz)) from picks) - "
        "interval 28 day group by all order by 2 desc",
    )
    assert last_month[0][0] == STRUGGLING_SITE


def test_training_has_late_failed_and_missing_completions(warehouse: duckdb.DuckDBPyConnection) -> None:
    failed, passed_after_failing, late = rows(
        warehouse,
        "with t as (select user_id, course_id, passed, cast(completed_at as timestamptz) as completed "
        "from training_completions) "
        "select count(*) filter (where passed = 'false'), "
        "(select count(*) from t as f join t as p using (user_id, course_id) "
        " where f.passed = 'false' and p.passed = 'true' and p.completed > f.completed), "
        "(select count(*) from t join users using (user_id) join live_sites using (site_id) "
        " where passed = 'true' and completed >= go_live_date) from t",
    )[0]
    assert failed > 0 and passed_after_failing > 0 and late > 0


def test_process_events_deviate_from_the_standard(warehouse: duckdb.DuckDBPyConnection) -> None:
    activities = {activity for (activity,) in rows(warehouse, "select distinct activity from process_events")}
    assert set(codes.STANDARD_ACTIVITIES) | set(codes.UNKNOWN_ACTIVITIES) == activities
    overrides = rows(warehouse, "select count(*) from process_events where is_manual_override = 'true'")[0][0]
    assert overrides > 0


def test_close_is_slower_around_go_live(warehouse: duckdb.DuckDBPyConnection) -> None:
    close_days = dict(
        rows(
            warehouse,
            "select period, avg(days) from (select legal_entity, period, "
            "max(cast(cast(completed_at as timestamptz) as date)) - last_day(cast(period || '-01' as date)) as days "
            "from close_tasks group by legal_entity, period having count(completed_at) = count(*)) group by period",
        )
    )
    assert close_days["2026-02"] > close_days["2025-12"]


# --- legacy codes --------------------------------------------------------------------------------------


def test_legacy_codes_are_mapped_except_the_deliberate_few(warehouse: duckdb.DuckDBPyConnection) -> None:
    seen_unmapped = set()
    for entity, spec in ENTITIES.items():
        for column, rules in spec["columns"].items():
            if "values" not in rules:
                continue
            domain = f"{entity}.{column}"
            allowed = ", ".join(f"'{code}'" for code in rules["values"])
            unknown = {
                code
                for (code,) in rows(
                    warehouse,
                    f'select distinct "{column}" from raw_{entity} where "{column}" is not null '
                    f'and "{column}" not in ({allowed}) and "{column}" not in '
                    f"(select source_code from code_map where domain = '{domain}')",
                )
            }
            assert unknown <= {codes.DELIBERATELY_UNMAPPED.get(domain)}, domain
            seen_unmapped |= {(domain, code) for code in unknown}
    assert seen_unmapped == set(codes.DELIBERATELY_UNMAPPED.items())


def test_legacy_codes_appear_only_before_go_live(warehouse: duckdb.DuckDBPyConnection) -> None:
    late = rows(
        warehouse,
        "select count(*) from raw_sales_orders join sites using (site_id) "
        "where channel in (select source_code from code_map where domain = 'sales_orders.channel') "
        "and cast(created_at as timestamptz) >= coalesce(cast(go_live_date as date), date '2100-01-01')",
    )[0][0]
    assert late == 0
