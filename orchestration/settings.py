"""Every path and limit of the project, from environment variables with documented defaults.

Variable (default): meaning.

- OBSERVATORY_EXTRACTS (seeds/sample_extracts, the bundled sample): extracts folder in the contract's layout
- OBSERVATORY_WAREHOUSE (data/warehouse.duckdb): the published warehouse readers open (the dashboard, which imports
  nothing of this package, reads it in dashboards/settings.py with the same default)
- OBSERVATORY_DUCKDB_MEMORY_LIMIT (4GB): DuckDB memory_limit for loads and builds
- OBSERVATORY_DUCKDB_THREADS (number of cores): DuckDB threads
- OBSERVATORY_PSEUDONYM_KEY_FILE (data/secrets/pseudonym.key): secret key of the keyed hash that replaces user ids
  at load; created on first use (mode 0600), never stored in a warehouse. Keep it: a new key gives new pseudonyms.
- OBSERVATORY_MAX_SHRINK (0.10): the publish guard refuses a build in which a core relation (marts.kpi_daily, a
  staging.stg_erp__* relation) would lose more than this share of the published warehouse's rows
  (orchestration/guard.py; `observatory run --allow-shrink` overrides)
- OBSERVATORY_DASHBOARD_HOST (127.0.0.1): address the dashboard binds to
- OBSERVATORY_DASHBOARD_PORT (8501): port the dashboard listens on
- OBSERVATORY_DASHBOARD_SECRETS (.streamlit/secrets.toml in the project): the Streamlit secrets file the dashboard
  reads; its [auth] section configures sign-in through the organisation's OpenID Connect provider (README "Sign-in
  and who sees what"). Without one the dashboard is open and serves only a loopback address unless --allow-open
- OBSERVATORY_OIDC_METADATA_URL, OBSERVATORY_OIDC_CLIENT_ID, OBSERVATORY_OIDC_CLIENT_SECRET,
  OBSERVATORY_OIDC_REDIRECT_URI, OBSERVATORY_OIDC_COOKIE_SECRET (unset): sign-in from the environment instead of a
  secrets file: when the metadata URL is set, `observatory dashboard` writes these five as the [auth] section of
  <warehouse folder>/secrets/dashboard_auth.toml (mode 0600; Streamlit reads secrets only from files) and serves
  with that file
- OBSERVATORY_FRESHNESS_DELIVERY_HOURS (36), OBSERVATORY_FRESHNESS_EVENT_HOURS (72): the freshness checks warn
  when an entity's newest current delivery file, or its newest event, is older at the build's start; passed to dbt,
  which judges in marts.entity_freshness (orchestration/transform.py, orchestration/operations.py)
- OBSERVATORY_SCHEDULE_CRON (0 6 * * *): the daily rebuild's schedule, in UTC
- OBSERVATORY_FULL_REFRESH_CRON (0 5 * * 0): the weekly full refresh's schedule, in UTC (whole-table tests)
- OBSERVATORY_RISK_HORIZON_DAYS (7), OBSERVATORY_RISK_HISTORY_DAYS (182): marts.orders_at_risk scores the open
  order lines due within the next HORIZON site-local days, with a model trained on the open lines of each of the
  previous HISTORY days (orchestration/orders_at_risk.py)
- OBSERVATORY_ALERT_DAILY_BUDGET (5): at most this many new alerts per site and UTC day are posted; the rest are
  kept in marts.alerts, marked suppressed, the most severe let through first (orchestration/alerts.py)
- OBSERVATORY_ALERT_RECENT_DAYS (7): a KPI anomaly or delivery gap raises an alert while its latest day lies within
  this many days of the warehouse's as-of date; older ones are cleared
- OBSERVATORY_ALERT_WEBHOOK (unset): the Slack-compatible incoming-webhook URL the alert sensor posts each new,
  unsuppressed alert to, once (orchestration/alert_webhook.py); nothing is sent while it is unset
- OBSERVATORY_POSTGRES_HOST (127.0.0.1), OBSERVATORY_POSTGRES_PORT (5432), OBSERVATORY_POSTGRES_USER (observatory),
  OBSERVATORY_POSTGRES_PASSWORD (empty), OBSERVATORY_POSTGRES_DBNAME (observatory), OBSERVATORY_POSTGRES_SCHEMA
  (public): the PostgreSQL database of the dbt target `postgres` (orchestration/engines/postgres.py); the same
  defaults stand in dbt_project/profiles.yml. Relations go to the schemas their folders name (raw, staging,
  marts ...); the schema named here holds only the engine's helper functions.
- PGOPTIONS (empty): libpq's server options for that database; dbt runs with these and ``-c jit=off``
- OBSERVATORY_SPARK_DIR (/tmp/observatory-spark): the Spark run's folder (metastore, table files); the Spark
  build sets it to the run's folder for dbt's `spark` profile
- OBSERVATORY_SPARK_MASTER (local[2]), OBSERVATORY_SPARK_DRIVER_MEMORY (4g): the Spark session's master and driver
  memory (orchestration/engines/spark.py; the same defaults stand in dbt_project/profiles.yml)

Read by dbt itself, not by Python: OBSERVATORY_DBT_TARGET (target; dbt_project.yml's target-path), and in
dbt_project/profiles.yml OBSERVATORY_POSTGRES_THREADS (2), OBSERVATORY_SPARK_SCHEMA (observatory), DBT_TARGET
(duckdb; dbt's own variable, also the default target of tools without --target, such as MetricFlow's `mf`) and,
for the read-only target `published` that `mf query` uses, OBSERVATORY_WAREHOUSE (../data/warehouse.duckdb,
relative to dbt_project/).

The build folder of a warehouse ``W`` is ``.W.build`` beside it: the working DuckDB file the loader and dbt
write (with the alert history, schema alert_state), the dbt target folder, the run lock and the record of the
alerts the webhook sensor has posted (alert_deliveries.duckdb). It is never read by dashboards.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
CONTRACT_PATH = Path(__file__).resolve().parent / "contract.yml"
SHARED_CONTRACT_DIR = PROJECT_ROOT.parent / "shared" / "contract"
SAMPLE_EXTRACTS_DIR = PROJECT_ROOT / "seeds" / "sample_extracts"
DEFAULT_WAREHOUSE = PROJECT_ROOT / "data" / "warehouse.duckdb"
DEFAULT_PSEUDONYM_KEY_FILE = PROJECT_ROOT / "data" / "secrets" / "pseudonym.key"
DEFAULT_DASHBOARD_SECRETS = PROJECT_ROOT / ".streamlit" / "secrets.toml"


@dataclass(frozen=True)
class Settings:
    extracts_dir: Path
    warehouse_path: Path
    memory_limit: str
    threads: int
    dashboard_host: str
    dashboard_port: int
    pseudonym_key_file: Path
    max_shrink: float = 0.10
    dashboard_secrets: Path = DEFAULT_DASHBOARD_SECRETS
    oidc: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, extracts_dir: Path | None = None, warehouse_path: Path | None = None) -> Settings:
        env = os.environ
        return cls(
            extracts_dir=Path(extracts_dir or env.get("OBSERVATORY_EXTRACTS") or SAMPLE_EXTRACTS_DIR).resolve(),
            warehouse_path=Path(warehouse_path or env.get("OBSERVATORY_WAREHOUSE") or DEFAULT_WAREHOUSE).resolve(),
            memory_limit=env.get("OBSERVATORY_DUCKDB_MEMORY_LIMIT", "4GB"),
            threads=int(env.get("OBSERVATORY_DUCKDB_THREADS") or os.cpu_count() or 2),
            dashboard_host=env.get("OBSERVATORY_DASHBOARD_HOST", "127.0.0.1"),
            dashboard_port=int(env.get("OBSERVATORY_DASHBOARD_PORT", "8501")),
            pseudonym_key_file=Path(env.get("OBSERVATORY_PSEUDONYM_KEY_FILE") or DEFAULT_PSEUDONYM_KEY_FILE),
            max_shrink=float(env.get("OBSERVATORY_MAX_SHRINK") or 0.10),
            dashboard_secrets=Path(env.get("OBSERVATORY_DASHBOARD_SECRETS") or DEFAULT_DASHBOARD_SECRETS).resolve(),
            oidc={
                "server_metadata_url": env.get("OBSERVATORY_OIDC_METADATA_URL", ""),
                "client_id": env.get("OBSERVATORY_OIDC_CLIENT_ID", ""),
                "client_secret": env.get("OBSERVATORY_OIDC_CLIENT_SECRET", ""),
                "redirect_uri": env.get("OBSERVATORY_OIDC_REDIRECT_URI", ""),
                "cookie_secret": env.get("OBSERVATORY_OIDC_COOKIE_SECRET", ""),
            },
        )

    def pseudonym_key(self) -> str:
        """The keyed hash's secret, created on first use."""
        path = self.pseudonym_key_file
        if not path.exists():
            # Written aside, then linked into place: a concurrent first run reads a whole key or makes its own.
            path.parent.mkdir(parents=True, exist_ok=True)
            draft = path.with_name(f".{path.name}.{os.getpid()}")
            descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w") as handle:
                handle.write(secrets.token_hex(32))
            try:
                os.link(draft, path)
            except FileExistsError:
                pass
            finally:
                draft.unlink()
        return path.read_text().strip()

    @property
    def build_dir(self) -> Path:
        return self.warehouse_path.parent / f".{self.warehouse_path.name}.build"

    @property
    def work_database(self) -> Path:
        return self.build_dir / "work.duckdb"

    @property
    def dbt_target_dir(self) -> Path:
        return self.build_dir / "dbt_target"

    @property
    def alert_deliveries_database(self) -> Path:
        """Which alerts the webhook sensor has posted: its own file, so it never waits on a run's work database."""
        return self.build_dir / "alert_deliveries.duckdb"

    @property
    def lock_path(self) -> Path:
        return self.build_dir / "run.lock"


@dataclass(frozen=True)
class PostgresSettings:
    host: str
    port: int
    user: str
    password: str
    dbname: str
    schema: str
    options: str = ""  # libpq's PGOPTIONS

    @classmethod
    def from_env(cls) -> PostgresSettings:
        env = os.environ
        return cls(
            host=env.get("OBSERVATORY_POSTGRES_HOST", "127.0.0.1"),
            port=int(env.get("OBSERVATORY_POSTGRES_PORT", "5432")),
            user=env.get("OBSERVATORY_POSTGRES_USER", "observatory"),
            password=env.get("OBSERVATORY_POSTGRES_PASSWORD", ""),
            dbname=env.get("OBSERVATORY_POSTGRES_DBNAME", "observatory"),
            schema=env.get("OBSERVATORY_POSTGRES_SCHEMA", "public"),
            options=env.get("PGOPTIONS", ""),
        )

    def environment(self) -> dict[str, str]:
        """The variables dbt's `postgres` profile reads."""
        return {
            "OBSERVATORY_POSTGRES_HOST": self.host,
            "OBSERVATORY_POSTGRES_PORT": str(self.port),
            "OBSERVATORY_POSTGRES_USER": self.user,
            "OBSERVATORY_POSTGRES_PASSWORD": self.password,
            "OBSERVATORY_POSTGRES_DBNAME": self.dbname,
            "OBSERVATORY_POSTGRES_SCHEMA": self.schema,
        }


@dataclass(frozen=True)
class SparkSettings:
    run_dir: Path
    master: str
    driver_memory: str

    @classmethod
    def from_env(cls) -> SparkSettings:
        env = os.environ
        return cls(
            run_dir=Path(env.get("OBSERVATORY_SPARK_DIR") or "/tmp/observatory-spark").resolve(),
            master=env.get("OBSERVATORY_SPARK_MASTER", "local[2]"),
            driver_memory=env.get("OBSERVATORY_SPARK_DRIVER_MEMORY", "4g"),
        )


@dataclass(frozen=True)
class OperationsSettings:
    delivery_max_age_hours: float
    event_max_age_hours: float
    schedule_cron: str
    full_refresh_cron: str

    @classmethod
    def from_env(cls) -> OperationsSettings:
        env = os.environ
        return cls(
            delivery_max_age_hours=float(env.get("OBSERVATORY_FRESHNESS_DELIVERY_HOURS", "36")),
            event_max_age_hours=float(env.get("OBSERVATORY_FRESHNESS_EVENT_HOURS", "72")),
            schedule_cron=env.get("OBSERVATORY_SCHEDULE_CRON", "0 6 * * *"),
            full_refresh_cron=env.get("OBSERVATORY_FULL_REFRESH_CRON", "0 5 * * 0"),
        )


@dataclass(frozen=True)
class RiskSettings:
    horizon_days: int
    history_days: int

    @classmethod
    def from_env(cls) -> RiskSettings:
        env = os.environ
        return cls(
            horizon_days=int(env.get("OBSERVATORY_RISK_HORIZON_DAYS", "7")),
            history_days=int(env.get("OBSERVATORY_RISK_HISTORY_DAYS", "182")),
        )


@dataclass(frozen=True)
class AlertSettings:
    daily_budget: int
    recent_days: int
    webhook_url: str | None
    attempts: int = 3  # posts per alert and sensor tick before it is left for the next tick
    backoff_seconds: float = 1.0  # wait before the second attempt, doubled before each further one

    @classmethod
    def from_env(cls) -> AlertSettings:
        env = os.environ
        return cls(
            daily_budget=int(env.get("OBSERVATORY_ALERT_DAILY_BUDGET", "5")),
            recent_days=int(env.get("OBSERVATORY_ALERT_RECENT_DAYS", "7")),
            webhook_url=env.get("OBSERVATORY_ALERT_WEBHOOK") or None,
        )
