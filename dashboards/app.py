"""Placeholder until the scorecards land: shows which warehouse would be read."""

import os

import streamlit as st

st.title("Adoption Observatory")
st.write(f"Warehouse: `{os.environ.get('OBSERVATORY_WAREHOUSE', 'data/warehouse.duckdb')}`")
