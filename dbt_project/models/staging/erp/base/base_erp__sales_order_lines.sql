-- Generated from orchestration/contract.yml by `python -m orchestration.contract`; do not edit.
{{ validate_entity('sales_order_lines') }}
