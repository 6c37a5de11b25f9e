"""Queries per page area; each reads marts through dashboards.data.query and never recomputes a KPI."""
