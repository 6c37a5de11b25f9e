"""marts.exception_queue against real runs: a delivered exception_sla replaces the shipped one, and the queue is
every exception open at the warehouse's as-of instant. (Its ranking formula is the dbt unit test beside the model,
dbt_project/models/marts/signals/_signals__models.yml.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Run, query, write_file

EXCEPTIONS_CSV = """exception_id,site_id,exception_type,severity,order_id,opened_at,resolved_at
X1,S1,shortage,high,O2,2026-01-05T12:00:00Z,
X2,S1,credit_hold,low,O1,2026-01-05T09:00:00Z,2026-01-05T10:00:00Z
X3,S2,system_error,critical,,2026-01-05T11:30:00Z,
"""

LINES_CSV = """order_id,line_number,item_id,ordered_qty,unit_price,is_cancelled
O2,1,I1,10,2.50,false
O2,2,I2,4,1.00,true
"""


@pytest.mark.slow
def test_a_delivered_exception_sla_replaces_the_shipped_one_and_ranks_the_open_exceptions(extracts: Path, run: Run):
    write_file(extracts, "exceptions", "exceptions_20260105.csv", EXCEPTIONS_CSV)
    write_file(extracts, "sales_order_lines", "sales_order_lines_20260105.csv", LINES_CSV)
    shipped = run(extracts)
    # The shipped default: high 8 h and weight 4, critical system_error 2 h.
    assert query(shipped, "select exception_id, sla_hours, severity_weight from marts.exception_queue order by 1") == [
        ("X1", 8.0, 4.0),
        ("X3", 2.0, 8.0),
    ]
    write_file(
        extracts,
        "exception_sla",
        "exception_sla.csv",
        "severity,exception_type,sla_hours,weight\nhigh,*,1,10\ncritical,*,6,3\n",
    )
    delivered = run(extracts, shipped)
    # As of the newest instant of the order flow (X1 opened 12:00): X1 is 0 h old, X3 half an hour.
    rows = query(
        delivered,
        "select exception_id, sla_exception_type, sla_hours, severity_weight, age_hours, value_at_risk, "
        "priority_score, site_rank, network_rank from marts.exception_queue order by network_rank",
    )
    assert rows == [
        ("X1", "*", 1.0, 10.0, 0.0, 25.0, 250.0, 1, 1),
        ("X3", "*", 6.0, 3.0, 0.5, 0.0, 0.0, 1, 2),
    ]
