-- Generated from orchestration/contract.yml by `python -m orchestration.contract`; do not edit.
{{ stage_reference('training_requirements') }}
