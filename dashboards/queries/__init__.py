"""Queries per page area (network, site, hypercare, adoption, finance, quality, drill_down, trends), over shared
modules: connection (the cached read-only connection and ``query``), privacy (the small-group rule), reference
(sites and the KPI catalogue) and rollup (KPIs over a chosen period). Each reads marts through
connection.query and never recomputes a KPI."""
