"""Every knob of the synthetic distributor, with its default, overridable from a YAML or JSON file.

A config file is a mapping whose keys are field names of `Parameters` (unknown keys are an error, so a
typo never silently does nothing). Lists become tuples; `regions` is a list of mappings with the fields
of `Region`. See docs/generator.md for the story the defaults tell.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True)
class Region:
    """A region of the network: its sites share one timezone, one legal entity and one legacy ERP."""

    name: str
    timezone: str
    legal_entity: str
    legacy_system: str
    site_ids: tuple[str, ...]
    site_names: tuple[str, ...]


DEFAULT_REGIONS = (
    Region(
        name="US Central",
        timezone="America/Chicago",
        legal_entity="LE_US_CENTRAL",
        legacy_system="JDE_E1",
        site_ids=("CHI1", "DAL1", "STL1"),
        site_names=("Chicago DC", "Dallas DC", "St Louis DC"),
    ),
    Region(
        name="US East",
        timezone="America/New_York",
        legal_entity="LE_US_EAST",
        legacy_system="JDE_E1",
        site_ids=("NWK1", "ATL1", "CLT1"),
        site_names=("Newark DC", "Atlanta DC", "Charlotte DC"),
    ),
    Region(
        name="Europe",
        timezone="Europe/Berlin",
        legal_entity="LE_DE",
        legacy_system="SAGE_X3",
        site_ids=("HAM1", "MUC1", "FRA1"),
        site_names=("Hamburg DC", "Munich DC", "Frankfurt DC"),
    ),
)


@dataclass(frozen=True)
class Parameters:
    """Defaults describe a mid-sized distributor; per-site tuples are cycled over the sites in order."""

    # --- network and rollout -------------------------------------------------------------------------
    regions: tuple[Region, ...] = DEFAULT_REGIONS
    wave_names: tuple[str, ...] = ("wave-1-pilot", "wave-2", "wave-3")
    # Days after the start date on which each wave goes live. 42 leaves six weeks of baseline; with
    # --days 120 the third wave (day 133) is still planned, so the sample shows a not-yet-live wave.
    wave_go_live_days: tuple[int, ...] = (42, 77, 133)
    new_erp: str = "ORBIT"
    # Time constant (days) of each site's exponential recovery from the go-live dip, cycled over sites.
    recovery_days: tuple[float, ...] = (8.0, 30.0, 12.0, 22.0, 10.0, 16.0)
    # Indices (0-based, in site order) of the sites that adopt poorly and never fully recover.
    struggling_sites: tuple[int, ...] = (1,)
    # Share of the go-live disruption a struggling site never sheds.
    struggling_residual: float = 0.5

    # --- volumes --------------------------------------------------------------------------------------
    # Multiplies every transactional volume (orders, counts, POs, transfers, usage events) but not users.
    scale: float = 1.0
    orders_per_site_weekday: float = 210.0
    site_size_factors: tuple[float, ...] = (1.25, 1.0, 0.9, 1.1, 0.8, 0.95)
    mean_lines_per_order: float = 2.8
    max_lines_per_order: int = 12
    items: int = 2500
    users_per_site_min: int = 40
    users_per_site_max: int = 120
    usage_events_per_user_day: float = 12.0
    counts_per_site_weekday: float = 60.0
    purchase_orders_per_site_weekday: float = 12.0
    transfers_per_site_weekday: float = 4.0
    exceptions_per_100_orders: float = 2.0
    tickets_per_100_users_day: float = 0.6

    # --- go-live effects (added at full disruption, decaying with recovery_days) ----------------------
    pick_error_rate: float = 0.003
    pick_error_surge: float = 0.05
    partial_first_shipment_rate: float = 0.03
    partial_first_shipment_surge: float = 0.15
    count_mismatch_rate: float = 0.025
    count_mismatch_surge: float = 0.15
    exception_surge: float = 5.0
    ticket_surge_per_user_day: float = 0.12
    invoice_error_rate: float = 0.01
    invoice_error_surge: float = 0.05
    process_deviation_rate: float = 0.02
    process_deviation_surge: float = 0.25
    # Local process variations (off by default: empty tuples leave every other extract byte-identical). At the
    # sites named in process_variation_sites (site ids) a share of the shipped orders records a customs step
    # (REGIONAL_ACTIVITY) between packing and shipping: a legitimate regional variation, approved in
    # seeds/reference/approved_variations.csv for HAM1. At the sites in process_workaround_sites a share of the
    # orders after go-live skips released_to_warehouse (picking from paper): a workaround nobody approved.
    process_variation_sites: tuple[str, ...] = ()
    process_variation_share: float = 0.6
    process_workaround_sites: tuple[str, ...] = ()
    process_workaround_share: float = 0.25
    late_approval_rate: float = 0.02
    late_approval_surge: float = 0.25

    # --- adoption -------------------------------------------------------------------------------------
    workaround_order_rate: float = 0.01
    workaround_order_surge: float = 0.10
    struggling_workaround_extra: float = 0.08
    spreadsheet_share_at_go_live: float = 0.30
    spreadsheet_share_settled: float = 0.04
    struggling_spreadsheet_share_settled: float = 0.28
    activation_lag_days: float = 2.0
    struggling_activation_lag_days: float = 10.0
    never_active_share: float = 0.03
    struggling_never_active_share: float = 0.15

    # --- data quality ---------------------------------------------------------------------------------
    # Share of pre-go-live rows that carry the legacy ERP's code instead of the canonical one.
    legacy_code_share: float = 0.6
    # Share of eligible pre-go-live rows carrying a deliberately unmapped code (at least one row each).
    unmapped_code_share: float = 0.003
    # Share of shipment lines first delivered with a keying error and corrected in a later file.
    shipment_correction_share: float = 0.003

    @classmethod
    def from_mapping(cls, mapping: dict[str, Any]) -> Parameters:
        known = {field.name for field in fields(cls)}
        unknown = sorted(set(mapping) - known)
        if unknown:
            raise ValueError(f"unknown generator parameter(s) {unknown}; known: {sorted(known)}")
        return replace(cls(), **{name: _coerce(name, value) for name, value in mapping.items()})


def _coerce(name: str, value: Any) -> Any:
    if name == "regions":
        return tuple(_region(entry) for entry in value)
    if isinstance(value, list):
        return tuple(value)
    return value


def _region(entry: dict[str, Any]) -> Region:
    values = dict(entry)
    values["site_ids"] = tuple(values.get("site_ids", ()))
    values["site_names"] = tuple(values.get("site_names", values["site_ids"]))
    return Region(**values)


def load_parameters(config: Path | None) -> Parameters:
    """Defaults, overridden by the YAML (or, for a .json file, JSON) mapping in `config`."""
    if config is None:
        return Parameters()
    text = Path(config).read_text(encoding="utf-8")
    mapping = json.loads(text) if Path(config).suffix.lower() == ".json" else yaml.safe_load(text)
    if mapping is None:
        return Parameters()
    if not isinstance(mapping, dict):
        raise ValueError(f"{config}: expected a mapping of parameter names to values")
    return Parameters.from_mapping(mapping)
