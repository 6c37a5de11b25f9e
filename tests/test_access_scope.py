"""Row-level scope in the query layer, against the bundled sample warehouse: every query function of
dashboards/queries/, asked for every site (as a crafted link would), returns a site-scoped viewer only rows of the
viewer's sites, and nothing when asked for another site; the network's totals of a scoped viewer are the totals
of their sites; a query that forgets the scope is refused. Plus the access rules (dashboard_access rows -> viewer)
and the audit log's rotation.

A query function added later is called here too (every public function of every query module): it fails this file
until it applies the scope (scope.site_in_scope, wave_in_scope or NETWORK_ONLY) or, for a new argument name, until
ARGUMENTS below says how to call it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import inspect
import json
import pkgutil
import re
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

import dashboards.queries
from dashboards import access, audit
from dashboards.queries import connection, reference, rollup, scope, trends
from orchestration import cli
from orchestration.settings import Settings

# Modules that hold the query layer's machinery, not page queries.
MACHINERY = {"connection", "scope", "privacy"}
# Public functions of the query modules that run no query (pure helpers).
NOT_QUERIES = {
    "drill_down.has_drill_down",
    "drill_down.relation_for",
    "drill_down.scorecard_link",
    "rollup.previous_period",
}

SITE_LEAD = scope.Viewer("lead.nwk1@example.com", ("site",), ("NWK1",), is_signed_in=True)
WAVE_LEAD = scope.Viewer("wave2@example.com", ("wave",), ("DAL1", "HAM1"), is_signed_in=True)


def query_functions() -> Iterator[tuple[str, Callable[..., Any]]]:
    for info in pkgutil.iter_modules(dashboards.queries.__path__):
        if info.name in MACHINERY:
            continue
        module = importlib.import_module(f"dashboards.queries.{info.name}")
        for name, function in inspect.getmembers(module, inspect.isfunction):
            qualified = f"{info.name}.{name}"
            if function.__module__ == module.__name__ and not name.startswith("_") and qualified not in NOT_QUERIES:
                yield qualified, function


QUERY_FUNCTIONS = dict(query_functions())


@pytest.fixture(scope="module")
def warehouse(sample_warehouse: Path) -> Iterator[Path]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OBSERVATORY_WAREHOUSE", str(sample_warehouse))
        yield sample_warehouse


@pytest.fixture(scope="module")
def sites(warehouse: Path) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("select site_id, site_name, rollout_wave from staging.stg_erp__sites").df()


def arguments(function: Callable[..., Any], sites: pd.DataFrame, other_site: str) -> dict[str, Any]:
    """How a page would call the function, asking for every site (a tampered link) or for another site."""
    with scope.viewing_as(scope.OPERATOR):
        _first, _last, through = reference.kpi_date_range()
        kpis = reference.kpi_catalogue()["kpi"].tolist()
    monday = through - dt.timedelta(days=through.weekday() + 7)
    known = {
        "site_ids": sites["site_id"].tolist(),
        "site_id": other_site,
        "waves": [],
        "kpi": "pick_accuracy",
        "measure": "depth_score",
        "kpis": kpis,
        "start_date": through - dt.timedelta(days=27),
        "first_date": through - dt.timedelta(days=27),
        "end_date": through,
        "as_of": through,
        "kpi_date": through,
        "day": through,
        "week_start_date": monday,
        "last_week_start_date": monday,
        "limit": 10_000,
        "by_site": True,
        "include_superseded": True,
    }
    given = {}
    for name, parameter in inspect.signature(function).parameters.items():
        if name in known:
            given[name] = known[name]
        elif parameter.default is inspect.Parameter.empty:
            pytest.fail(f"{function.__module__}.{function.__name__}({name}=...): say in ARGUMENTS how a page calls it")
    return given


def frames(result: Any) -> list[pd.DataFrame]:
    if isinstance(result, pd.DataFrame):
        return [result]
    if isinstance(result, tuple | list):
        return [frame for item in result for frame in frames(item)]
    if dataclasses.is_dataclass(result):
        return frames([getattr(result, field.name) for field in dataclasses.fields(result)])
    return []


def leaks(frame: pd.DataFrame, forbidden: pd.DataFrame) -> list[str]:
    """Cells that name a site the viewer may not see: a site_id, or its id or name inside any text cell."""
    found = []
    if "site_id" in frame.columns:
        found += [f"site_id {value}" for value in set(frame["site_id"].dropna()) if value in set(forbidden["site_id"])]
    words = [*forbidden["site_id"], *forbidden["site_name"]]
    pattern = re.compile(r"\b(" + "|".join(re.escape(word) for word in words) + r")\b")
    for column in frame.columns:
        for value in frame[column].dropna():
            text = json.dumps(value.tolist() if hasattr(value, "tolist") else value, default=str)
            if pattern.search(text):
                found.append(f"{column}: {text[:80]}")
    return found


def test_every_query_function_is_found() -> None:
    assert len(QUERY_FUNCTIONS) >= 30
    assert {"rollup.kpi_rollup", "signals.exception_queue", "drill_down.drill_down", "finance.close_periods"} <= set(
        QUERY_FUNCTIONS
    )


@pytest.mark.slow
@pytest.mark.parametrize("viewer", [SITE_LEAD, WAVE_LEAD], ids=["site lead", "wave lead"])
@pytest.mark.parametrize("name", sorted(QUERY_FUNCTIONS))
def test_a_scoped_viewer_gets_no_row_of_another_site_from_any_query(
    warehouse: Path, sites: pd.DataFrame, viewer: scope.Viewer, name: str
) -> None:
    function = QUERY_FUNCTIONS[name]
    forbidden = sites[~sites["site_id"].isin(viewer.site_ids)]
    other_site = forbidden["site_id"].iloc[0]
    given = arguments(function, sites, other_site)
    with scope.viewing_as(viewer):
        result = function(**given)
    found = [leak for frame in frames(result) for leak in leaks(frame, forbidden)]
    assert found == [], f"{name} shows {viewer.identity} other sites: {found[:5]}"
    if "site_id" in given:  # asked for another site outright: nothing at all
        assert all(frame.empty for frame in frames(result)), name
        assert not isinstance(result, float), name


@pytest.mark.slow
def test_the_same_queries_still_show_every_site_to_a_network_viewer(warehouse: Path, sites: pd.DataFrame) -> None:
    with scope.viewing_as(scope.OPERATOR):
        seen = set(reference.sites()["site_id"])
    assert seen == set(sites["site_id"])


@pytest.mark.slow
def test_network_totals_of_a_site_lead_are_the_totals_of_their_sites(warehouse: Path, sites: pd.DataFrame) -> None:
    with scope.viewing_as(scope.OPERATOR):
        _first, _last, through = reference.kpi_date_range()
    start = through - dt.timedelta(days=27)
    every = sites["site_id"].tolist()
    monday = through - dt.timedelta(days=through.weekday() + 7)
    with scope.viewing_as(SITE_LEAD):
        scoped_total = rollup.kpi_rollup(every, start, through)
        scoped_bands = rollup.peer_bands(start, through)
        scoped_weekly = trends.network_weekly(every, monday)
    with scope.viewing_as(scope.OPERATOR):
        own_total = rollup.kpi_rollup(list(SITE_LEAD.site_ids), start, through)
        network_total = rollup.kpi_rollup(every, start, through)
        own_weekly = trends.network_weekly(list(SITE_LEAD.site_ids), monday)
    pd.testing.assert_frame_equal(scoped_total, own_total)
    assert not scoped_total["numerator"].equals(network_total["numerator"])
    pd.testing.assert_frame_equal(scoped_weekly, own_weekly)
    assert (scoped_bands["sites_in_band"] <= 1).all()


@pytest.mark.slow
def test_a_query_without_the_scope_is_refused(warehouse: Path) -> None:
    with scope.viewing_as(SITE_LEAD), pytest.raises(scope.ScopeMissing, match="stg_erp__sites"):
        connection.query("select site_id from staging.stg_erp__sites")
    with scope.viewing_as(scope.OPERATOR):  # a viewer of every site: as before scopes existed
        assert len(connection.query("select site_id from staging.stg_erp__sites")) == 6
    with pytest.raises(ValueError, match="allowed_sites"):
        connection.query("select 1", {"allowed_sites": ["ATL1"]})
    with pytest.raises(ValueError, match="reason"):
        connection.query("select 1", exempt_from_scope=" ")


def test_outside_a_served_dashboard_the_viewer_is_the_operator() -> None:
    assert scope.current() is scope.OPERATOR
    with scope.viewing_as(SITE_LEAD):
        assert scope.current() is SITE_LEAD
        assert scope.as_viewer(scope.OPERATOR, scope.current)() is scope.OPERATOR
    assert scope.current() is scope.OPERATOR


# --- the app in Streamlit's AppTest: open says so on every page; configured, nothing before sign-in --------------

APP = Path(__file__).resolve().parents[1] / "dashboards" / "app.py"


@pytest.mark.slow
def test_without_a_provider_every_page_says_the_dashboard_is_open(warehouse: Path) -> None:
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(APP, default_timeout=60).run()
    for page in access.ALL_PAGES:
        app.switch_page(f"views/{page}").run()
        assert not app.exception, page
        notices = [caption.value for caption in app.sidebar.caption if "Open dashboard" in caption.value]
        assert notices == [
            ":material/lock_open: Open dashboard: no sign-in configured, so anyone who can reach 127.0.0.1 sees "
            "every site (README: Sign-in and who sees what)."
        ], page


@pytest.mark.slow
def test_with_a_provider_a_visitor_gets_the_sign_in_button_and_no_data(warehouse: Path) -> None:
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(APP, default_timeout=60)
    app.secrets["auth"] = {
        "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
        "cookie_secret": "test",
        "client_id": "test",
        "client_secret": "test",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
    }
    app.run()
    assert not app.exception
    assert [button.label for button in app.button] == ["Sign in"]
    assert not app.sidebar.multiselect and not app.metric and not app.dataframe


# --- who sees what: dashboard_access rows -> viewer -----------------------------------------------------------

ACCESS_ROWS = pd.DataFrame(
    [
        ("network@example.com", "network", "*"),
        ("lead.nwk1@example.com", "site", "NWK1"),
        ("lead.nwk1@example.com", "site", "GONE1"),
        ("group:wave-2-leads", "wave", "wave-2"),
        ("finance@example.com", "finance", "*"),
    ],
    columns=["principal", "role", "scope"],
)
SITES = pd.DataFrame(
    {"site_id": ["NWK1", "CHI1", "DAL1", "HAM1"], "rollout_wave": ["wave-1", "wave-1", "wave-2", "wave-2"]}
)


def test_a_site_lead_sees_their_site_and_not_data_quality() -> None:
    viewer = access.viewer_for("Lead.NWK1@Example.com", [], ACCESS_ROWS, SITES)
    assert (viewer.roles, viewer.site_ids, viewer.has_access) == (("site",), ("NWK1",), True)
    assert "data_quality.py" not in access.pages_for(viewer)
    assert "site_scorecard.py" in access.pages_for(viewer)


def test_a_group_row_gives_every_site_of_its_wave_and_rows_add_up() -> None:
    assert access.viewer_for("someone@example.com", ["wave-2-leads"], ACCESS_ROWS, SITES).site_ids == ("DAL1", "HAM1")
    both = access.viewer_for("lead.nwk1@example.com", ["wave-2-leads"], ACCESS_ROWS, SITES)
    assert (both.roles, both.site_ids) == (("site", "wave"), ("DAL1", "HAM1", "NWK1"))


def test_network_and_finance_roles_see_every_site_and_finance_only_its_pages() -> None:
    network = access.viewer_for("network@example.com", [], ACCESS_ROWS, SITES)
    assert network.site_ids is None and access.pages_for(network) == access.ALL_PAGES
    finance = access.viewer_for("finance@example.com", [], ACCESS_ROWS, SITES)
    assert finance.site_ids is None
    assert access.pages_for(finance) == ("finance_close.py", "kpi_dictionary.py")
    everywhere = access.viewer_for("lead.nwk1@example.com", [], ACCESS_ROWS.replace({"NWK1": "*"}), SITES)
    assert everywhere.site_ids is None and "data_quality.py" in access.pages_for(everywhere)


def test_an_unknown_user_or_an_unverified_address_has_no_access() -> None:
    assert not access.viewer_for("stranger@example.com", ["other-group"], ACCESS_ROWS, SITES).has_access
    assert access.claims_of({"email": "network@example.com", "email_verified": False}) == (None, [])
    assert access.claims_of({"preferred_username": "a@example.com", "groups": "g"}) == ("a@example.com", ["g"])


# --- the audit log ----------------------------------------------------------------------------------------------


def test_audit_lines_append_to_a_file_per_day_and_old_days_are_pruned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OBSERVATORY_AUDIT_DIR", str(tmp_path))
    monkeypatch.setenv("OBSERVATORY_AUDIT_RETENTION_DAYS", "30")
    today = dt.datetime.now(dt.UTC).date()
    old = audit.file_for(today - dt.timedelta(days=30), tmp_path)
    kept = audit.file_for(today - dt.timedelta(days=29), tmp_path)
    for path in (old, kept):
        path.write_text('{"event": "page_view"}\n')
    written = audit.record("page_view", SITE_LEAD, "site_scorecard", {"sites": ["NWK1"]})
    audit.record("download", SITE_LEAD, "site_scorecard", {"file": "x.csv"})
    assert written == audit.file_for(today, tmp_path)
    assert not old.exists() and kept.exists()
    events = [event for event in audit.read(tmp_path) if "user" in event]
    assert [(event["event"], event["user"], event["sites"], event["page"]) for event in events] == [
        ("page_view", "lead.nwk1@example.com", ["NWK1"], "site_scorecard"),
        ("download", "lead.nwk1@example.com", ["NWK1"], "site_scorecard"),
    ]
    assert events[0]["detail"] == {"sites": ["NWK1"]}


# --- observatory dashboard: no sign-in, no address beyond loopback ------------------------------------------------


def test_serving_beyond_loopback_without_sign_in_is_refused_unless_allow_open(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    warehouse.write_bytes(b"")
    missing = tmp_path / "no-secrets.toml"
    assert cli.main(["dashboard", "--warehouse", str(warehouse), "--host", "0.0.0.0", "--secrets", str(missing)]) == 1
    assert "refusing to serve 0.0.0.0 without sign-in" in capsys.readouterr().err
    assert cli.sign_in_provider(missing) is None
    assert cli.is_loopback("127.0.0.1") and cli.is_loopback("::1") and cli.is_loopback("localhost")
    assert not cli.is_loopback("0.0.0.0")


def test_a_secrets_file_configures_sign_in_only_with_its_auth_section_complete(tmp_path: Path) -> None:
    secrets_file = tmp_path / "secrets.toml"
    secrets_file.write_text('[other]\nkey = "value"\n')
    assert cli.sign_in_provider(secrets_file) is None
    secrets_file.write_text('[auth]\nclient_id = "x"\nserver_metadata_url = "https://id.example.com/.well-known"\n')
    with pytest.raises(cli.CommandError, match="redirect_uri and cookie_secret"):
        cli.sign_in_provider(secrets_file)
    secrets_file.write_text(
        '[auth]\nredirect_uri = "https://dash.example.com/oauth2callback"\ncookie_secret = "s"\n'
        '[auth.okta]\nclient_id = "x"\n'
    )
    assert cli.sign_in_provider(secrets_file) == "[auth.okta]"


def test_sign_in_can_come_from_the_environment_as_a_private_secrets_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    variables = {
        "OBSERVATORY_OIDC_METADATA_URL": "https://login.example.com/v2.0/.well-known/openid-configuration",
        "OBSERVATORY_OIDC_CLIENT_ID": "client",
        "OBSERVATORY_OIDC_CLIENT_SECRET": 'se"cret',
        "OBSERVATORY_OIDC_REDIRECT_URI": "https://dash.example.com/oauth2callback",
        "OBSERVATORY_OIDC_COOKIE_SECRET": "cookie",
    }
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    path = cli.secrets_from_environment(Settings.from_env(warehouse_path=tmp_path / "warehouse.duckdb"))
    assert path is not None and path.parent == tmp_path / "secrets"
    assert path.stat().st_mode & 0o777 == 0o600
    assert tomllib.loads(path.read_text())["auth"]["client_secret"] == 'se"cret'
    assert cli.sign_in_provider(path) == variables["OBSERVATORY_OIDC_METADATA_URL"]
    monkeypatch.delenv("OBSERVATORY_OIDC_COOKIE_SECRET")
    with pytest.raises(cli.CommandError, match="cookie_secret"):
        cli.secrets_from_environment(Settings.from_env(warehouse_path=tmp_path / "warehouse.duckdb"))
