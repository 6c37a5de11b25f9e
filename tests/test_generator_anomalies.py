"""`generate --anomalies`: labelled spikes, level shifts and silent gaps injected into the transactions, the labels
beside (never inside) the extracts folder, and nothing else changed."""

from __future__ import annotations

import csv
import filecmp
from pathlib import Path

import duckdb
import pytest

from simulator import generate
from simulator.__main__ import main

SETTINGS = {"sites": 3, "days": 90, "seed": 11}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[dict[str, str]]]:
    """The same world with and without anomalies; the labels of the former."""
    root = tmp_path_factory.mktemp("anomalies")
    generate(root / "plain", **SETTINGS)
    result = generate(root / "injected", anomalies=True, **SETTINGS)
    with result.labels_path.open(encoding="utf-8") as handle:
        labels = list(csv.DictReader(handle))
    return root / "plain", root / "injected", labels


def test_labels_are_written_beside_the_extracts_folder_never_inside(generated) -> None:
    _plain, injected, labels = generated
    assert (injected.parent / "injected.labels.csv").is_file()
    assert labels and {label["kind"] for label in labels} == {"spike", "level_shift", "gap"}
    assert not [path for path in injected.rglob("*") if "label" in path.name.lower()]
    assert {path.name for path in injected.iterdir()} == {path.name for path in generated[0].iterdir()}


def test_a_labels_file_inside_the_extracts_folder_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    out = tmp_path / "extracts"
    with pytest.raises(ValueError, match="outside the extracts folder"):
        generate(out, anomalies=True, labels_path=out / "labels.csv", **SETTINGS)
    assert not out.exists()
    with pytest.raises(SystemExit):
        main(["--out", str(out), "--anomalies", "--labels", str(out / "picks" / "labels.csv"), "--days", "40"])
    assert not out.exists()


def test_labels_name_site_kind_target_days_size_and_go_live_window(generated) -> None:
    _plain, _injected, labels = generated
    for label in labels:
        assert label["site_id"] and label["start_date"] <= label["end_date"]
        if label["kind"] == "gap":
            assert label["entity"] in {"picks", "inventory_counts"} and not label["kpi"] and not label["size_sigma"]
        else:
            assert label["kpi"] in {"pick_accuracy", "inventory_accuracy"} and not label["entity"]
            low, high = (3.0, 8.0) if label["kind"] == "spike" else (2.0, 4.0)
            assert low <= float(label["size_sigma"]) <= high
        assert label["in_go_live_window"] in {"true", "false"}


def test_only_picks_and_counts_change_and_a_gap_leaves_its_site_out_of_those_days(generated) -> None:
    plain, injected, labels = generated
    changed = {
        entity.name
        for entity in plain.iterdir()
        for path in entity.iterdir()
        if not filecmp.cmp(path, injected / entity.name / path.name, shallow=False)
    }
    assert changed == {"picks", "inventory_counts"}
    con = duckdb.connect()
    for label in (label for label in labels if label["kind"] == "gap"):
        entity = label["entity"]
        rows = con.execute(
            f"select count(*) filter (where site_id = $site), count(*) from read_csv('{injected}/{entity}/*.csv', "
            "filename = true, all_varchar = true) "
            "where regexp_extract(filename, '(\\d{8})\\.csv$', 1) between strftime($start::date, '%Y%m%d') "
            "and strftime($end::date, '%Y%m%d')",
            {"site": label["site_id"], "start": label["start_date"], "end": label["end_date"]},
        ).fetchone()
        assert rows[0] == 0 and rows[1] > 0, label


def test_injected_errors_raise_the_error_count_of_the_labelled_days(generated) -> None:
    plain, injected, _labels = generated
    con = duckdb.connect()
    con.execute(
        "create table labels as select * from read_csv($path, all_varchar = true)",
        {"path": str(injected.parent / "injected.labels.csv")},
    )
    counted = {}
    for name, folder in (("plain", plain), ("injected", injected)):
        counted[name] = con.execute(
            f"""
            with rows as (
                select 'pick_accuracy' as kpi, site_id, filename, error_code is not null as is_error
                from read_csv('{folder}/picks/*.csv', filename = true, all_varchar = true)
                union all
                select 'inventory_accuracy', site_id, filename, counted_qty <> system_qty
                from read_csv('{folder}/inventory_counts/*.csv', filename = true, all_varchar = true)
            )
            select count(*) filter (where is_error) from rows
            inner join labels on rows.kpi = labels.kpi and rows.site_id = labels.site_id
                and strptime(regexp_extract(filename, '(\\d{{8}})\\.csv$', 1), '%Y%m%d')::date
                    between labels.start_date::date and labels.end_date::date
            """
        ).fetchone()[0]
    assert counted["injected"] > 1.2 * counted["plain"] > 0


def test_the_command_says_where_the_labels_went(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "extracts"
    labels = tmp_path / "truth" / "labels.csv"
    assert main(["--out", str(out), "--sites", "2", "--days", "60", "--anomalies", "--labels", str(labels)]) == 0
    assert f"anomaly labels to {labels}" in capsys.readouterr().out
    assert labels.is_file()
