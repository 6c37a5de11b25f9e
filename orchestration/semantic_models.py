"""The semantic layer's dbt yml (MetricFlow semantic models, metrics and the time spine), rendered from the KPI
dictionary: the ``meta.kpis`` of kpi_daily in dbt_project/models/marts/kpi/_kpi__models.yml, the one place a KPI's
name and definition are written. `python -m orchestration.contract` writes it (``--check`` compares), so a KPI
added to the dictionary gets its metric by regeneration.

Each KPI becomes two measures over marts.kpi_daily_semantic (its numerator and denominator, summed over that
KPI's rows), a simple metric for each, and the KPI's metric: their ratio, sum over sum, the scorecards' roll-up.
A level KPI's measures are semi-additive: over a period they take, per site and KPI, the period's last day with
a row (MetricFlow's ``non_additive_dimension``, window_choice max), as the scorecards do.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from orchestration.settings import DBT_PROJECT_DIR

KPI_MODELS_PATH = DBT_PROJECT_DIR / "models" / "marts" / "kpi" / "_kpi__models.yml"
SEMANTIC_MODELS_PATH = DBT_PROJECT_DIR / "models" / "marts" / "semantic" / "_semantic__models.yml"
GENERATED_NOTE = (
    "# Generated from the KPI dictionary (meta.kpis of kpi_daily, models/marts/kpi/_kpi__models.yml) by\n"
    "# `python -m orchestration.contract`; do not edit.\n"
)

# The dimensions a KPI can be grouped by, short name -> MetricFlow name (`observatory query --by`).
DIMENSIONS = {
    "site": "site",
    "site_name": "site__site_name",
    "region": "site__region",
    "wave": "site__rollout_wave",
    "legal_entity": "site__legal_entity",
    "go_live_date": "site__go_live_date",
    "days_since_go_live": "kpi_day__days_since_go_live",
    "iso_week": "kpi_day__iso_week",
    "day": "metric_time__day",
    "week": "metric_time__week",
    "month": "metric_time__month",
    "quarter": "metric_time__quarter",
    "year": "metric_time__year",
}


@cache
def kpi_dictionary(path: Path = KPI_MODELS_PATH) -> tuple[dict[str, Any], ...]:
    """The dictionary's entries, in its order."""
    document = yaml.safe_load(path.read_text())
    model = next(model for model in document["models"] if model["name"] == "kpi_daily")
    return tuple(model["config"]["meta"]["kpis"])


def _text(value: Any) -> str:
    return " ".join(str(value).split())


def _measure(kpi: dict[str, Any], part: str) -> dict[str, Any]:
    name = kpi["kpi"]
    measure: dict[str, Any] = {
        "name": f"{name}_{part}",
        "label": f"{_text(kpi['name'])}: {part}",
        "description": _text(kpi[part]),
        "agg": "sum",
        # One KPI's rows of the long table; null elsewhere, so a group without the KPI has no value, not 0.
        "expr": f"case when kpi = '{name}' then {part} end",
    }
    if kpi["aggregation"] == "level":
        measure["non_additive_dimension"] = {
            "name": "kpi_date",
            "window_choice": "max",
            "window_groupings": ["site", "kpi"],
        }
    return measure


def _metric_description(kpi: dict[str, Any]) -> str:
    rule = (
        "Over a period: each site's last day with a row (a level KPI), summed across sites, then numerator over "
        "denominator."
        if kpi["aggregation"] == "level"
        else "Over a period and across sites: sum of numerators over sum of denominators."
    )
    return (
        f"{_text(kpi['formula'])}. Numerator: {_text(kpi['numerator'])}. Denominator: {_text(kpi['denominator'])}. "
        f"Day: {_text(kpi['day'])}. {rule} Source: {_text(kpi['source_standard'])}."
    )


def _metrics(kpi: dict[str, Any]) -> list[dict[str, Any]]:
    name = kpi["kpi"]
    meta = {"unit": kpi["unit"], "direction": kpi["direction"], "aggregation": kpi["aggregation"]}
    parts = [
        {
            "name": f"{name}_{part}",
            "label": f"{_text(kpi['name'])}: {part}",
            "description": _text(kpi[part]),
            "type": "simple",
            "type_params": {"measure": f"{name}_{part}"},
        }
        for part in ("numerator", "denominator")
    ]
    ratio = {
        "name": name,
        "label": _text(kpi["name"]),
        "description": _metric_description(kpi),
        "type": "ratio",
        "type_params": {"numerator": f"{name}_numerator", "denominator": f"{name}_denominator"},
        "config": {"meta": meta},
    }
    return [ratio, *parts]


_MODELS = [
    {
        "name": "time_spine_daily",
        "description": "One row per calendar day, 2000-01-01 to 2099-12-31: MetricFlow's time spine.",
        "time_spine": {"standard_granularity_column": "date_day"},
        "columns": [
            {
                "name": "date_day",
                "description": "The day.",
                "granularity": "day",
                "data_tests": ["unique", "not_null"],
            }
        ],
    },
    {
        "name": "kpi_daily_semantic",
        "description": (
            "marts.kpi_daily row for row, with the ISO week's label and the days since the site's go-live: "
            "the rows the semantic layer's KPI measures read."
        ),
        "columns": [
            {"name": "site_id", "description": "The site (kpi_daily's tests apply: the rows are its rows)."},
            {"name": "kpi_date"},
            {"name": "kpi"},
            {"name": "numerator"},
            {"name": "denominator"},
            {"name": "iso_week", "description": "The ISO week of kpi_date, 'YYYY-Www'."},
            {
                "name": "days_since_go_live",
                "description": "Days from the site's go-live to kpi_date (negative before it; null if not live).",
            },
        ],
    },
]


def _semantic_models(kpis: tuple[dict[str, Any], ...]) -> list[dict[str, Any]]:
    measures = [_measure(kpi, part) for kpi in kpis for part in ("numerator", "denominator")]
    return [
        {
            "name": "kpi_days",
            "description": (
                "The KPIs of marts.kpi_daily (one row per site, site-local day and KPI), as each KPI's "
                "numerator and denominator."
            ),
            "model": "ref('kpi_daily_semantic')",
            "defaults": {"agg_time_dimension": "kpi_date"},
            "primary_entity": "kpi_day",
            "entities": [
                {"name": "site", "type": "foreign", "expr": "site_id"},
                {"name": "kpi", "type": "foreign", "expr": "kpi"},
            ],
            "dimensions": [
                {
                    "name": "kpi_date",
                    "label": "KPI day",
                    "description": "The site-local day the row belongs to (each KPI's day rule).",
                    "type": "time",
                    "type_params": {"time_granularity": "day"},
                },
                {
                    "name": "iso_week",
                    "label": "ISO week",
                    "description": "The ISO week of the KPI day, 'YYYY-Www'.",
                    "type": "categorical",
                },
                {
                    "name": "days_since_go_live",
                    "label": "Days since go-live",
                    "description": "Days from the site's go-live to the KPI day (negative before; null if not live).",
                    "type": "categorical",
                },
            ],
            "measures": measures,
        },
        {
            "name": "sites",
            "description": "The sites (staging.stg_erp__sites): name, region, legal entity, rollout wave, go-live.",
            "model": "ref('stg_erp__sites')",
            "entities": [{"name": "site", "type": "primary", "expr": "site_id"}],
            "dimensions": [
                {"name": "site_name", "label": "Site", "type": "categorical"},
                {"name": "region", "label": "Region", "type": "categorical"},
                {"name": "legal_entity", "label": "Legal entity", "type": "categorical"},
                {"name": "rollout_wave", "label": "Rollout wave", "type": "categorical"},
                {
                    "name": "go_live_date",
                    "label": "Go-live date",
                    "description": "The site's go-live on the new ERP (null while not live).",
                    "type": "time",
                    "type_params": {"time_granularity": "day"},
                },
            ],
        },
    ]


def render_semantic_models(kpis: tuple[dict[str, Any], ...] | None = None) -> str:
    kpis = kpi_dictionary() if kpis is None else kpis
    document = {
        "version": 2,
        "models": _MODELS,
        "semantic_models": _semantic_models(kpis),
        "metrics": [metric for kpi in kpis for metric in _metrics(kpi)],
    }
    return GENERATED_NOTE + yaml.safe_dump(document, sort_keys=False, width=120, allow_unicode=True)


def derived_files() -> dict[Path, str]:
    return {SEMANTIC_MODELS_PATH: render_semantic_models()}
