"""Canonical codes of the contract, the legacy ERPs' codes for them, and the reference tables built from them.

Before a site goes live its records come from its legacy ERP, and part of them carry that ERP's codes;
`code_map` translates every one of them except the few in `DELIBERATELY_UNMAPPED`, which the warehouse
must flag (not reject). `UNKNOWN_ACTIVITIES` are process events outside the standard lifecycle.
"""

from __future__ import annotations

ROLES = (
    "customer_service",
    "picker",
    "warehouse_supervisor",
    "inventory_control",
    "receiver",
    "buyer",
    "planner",
    "finance",
    "manager",
)
ROLE_MIX = (0.16, 0.33, 0.06, 0.08, 0.12, 0.06, 0.05, 0.09, 0.05)
ORDER_CHANNELS = ("edi", "direct", "marketplace", "phone")
ORDER_CHANNEL_MIX = (0.42, 0.25, 0.18, 0.15)
ENTRY_METHODS = ("system", "edi", "spreadsheet_upload", "offline")
ORDER_STATUSES = ("open", "released", "shipped", "closed", "cancelled")
PICK_ERRORS = ("wrong_item", "wrong_qty", "damaged", "short")
ADJUSTMENT_REASONS = ("pricing_error", "quantity_error", "duplicate", "wrong_customer", "return", "goodwill")
EXCEPTION_TYPES = (
    "shortage",
    "damaged_goods",
    "carrier_delay",
    "credit_hold",
    "pricing_hold",
    "address_error",
    "system_error",
)
SEVERITIES = ("low", "medium", "high", "critical")
USAGE_CHANNELS = ("ui", "api", "export", "import")
PRIORITIES = ("p1", "p2", "p3", "p4")
STANDARD_ACTIVITIES = (
    "order_created",
    "credit_checked",
    "allocated",
    "released_to_warehouse",
    "picked",
    "packed",
    "shipped",
    "invoiced",
)
UNKNOWN_ACTIVITIES = ("manual_price_change", "order_on_hold")
# A step outside the standard that a site may run as an approved regional variation (simulator.parameters
# process_variation_sites); it is coded after the unknown activities.
REGIONAL_ACTIVITY = "customs_cleared"
TICKET_CATEGORIES = ("access", "how_to", "data_issue", "performance", "printing", "integration", "master_data")
CARRIERS = ("UPS", "FEDEX", "XPO", "DHL", "DB_SCHENKER", "DPD")
CLOSE_TASKS = (
    "bank_reconciliation",
    "ap_accruals",
    "ar_reconciliation",
    "inventory_valuation",
    "intercompany_matching",
    "fixed_assets",
    "revenue_recognition",
    "financial_statements",
)

# domain ('<entity>.<column>') -> canonical codes in the order the generators index them.
CANONICAL = {
    "users.role": ROLES,
    "sales_orders.channel": ORDER_CHANNELS,
    "sales_orders.entry_method": ENTRY_METHODS,
    "sales_orders.status": ORDER_STATUSES,
    "picks.error_code": PICK_ERRORS,
    "invoices.adjustment_reason": ADJUSTMENT_REASONS,
    "exceptions.exception_type": EXCEPTION_TYPES,
    "exceptions.severity": SEVERITIES,
    "helpdesk_tickets.priority": PRIORITIES,
}

# legacy system -> domain -> legacy code per canonical code (same order as CANONICAL[domain]).
LEGACY_CODES = {
    "JDE_E1": {
        "users.role": ("CSR", "PICKER", "WHSE_SUP", "INV_CTRL", "RCV", "BUYER", "PLNR", "FIN", "MGR"),
        "sales_orders.channel": ("EDI-IN", "DIR", "WEB", "TEL"),
        "sales_orders.entry_method": ("KEYED", "EDI850", "XLS_UPLOAD", "PAPER"),
        "sales_orders.status": ("OP", "RL", "SH", "CL", "CX"),
        "picks.error_code": ("WI", "WQ", "DM", "SP"),
        "invoices.adjustment_reason": ("PRC", "QTY", "DUP", "CUS", "RET", "GW"),
        "exceptions.exception_type": ("SHORT_PICK", "DMG", "CARR_LATE", "CR_HOLD", "PRC_HOLD", "ADDR", "SYS"),
        "exceptions.severity": ("4", "3", "2", "1"),
        "helpdesk_tickets.priority": ("URGENT", "HIGH", "MEDIUM", "LOW"),
    },
    "SAGE_X3": {
        "users.role": (
            "INNENDIENST",
            "KOMMISSIONIERER",
            "LAGERLEITER",
            "INVENTUR",
            "WARENEINGANG",
            "EINKAUF",
            "DISPO",
            "BUCHHALTUNG",
            "LEITUNG",
        ),
        "sales_orders.channel": ("EDIFACT", "DIREKT", "MARKTPLATZ", "TELEFON"),
        "sales_orders.entry_method": ("MANUELL", "EDIFACT", "EXCEL", "PAPIER"),
        "sales_orders.status": ("OFFEN", "FREIGEGEBEN", "VERSANDT", "ERLEDIGT", "STORNIERT"),
        "picks.error_code": ("FALSCHER_ARTIKEL", "FALSCHE_MENGE", "BESCHAEDIGT", "FEHLMENGE"),
        "invoices.adjustment_reason": (
            "PREISFEHLER",
            "MENGENFEHLER",
            "DOPPELT",
            "FALSCHER_KUNDE",
            "RETOURE",
            "KULANZ",
        ),
        "exceptions.exception_type": (
            "FEHLBESTAND",
            "BESCHAEDIGUNG",
            "SPEDITION_VERZUG",
            "KREDITSPERRE",
            "PREISSPERRE",
            "ADRESSFEHLER",
            "SYSTEMFEHLER",
        ),
        "exceptions.severity": ("NIEDRIG", "MITTEL", "HOCH", "KRITISCH"),
        "helpdesk_tickets.priority": ("DRINGEND", "HOCH", "MITTEL", "NIEDRIG"),
    },
}

# Legacy codes no code_map row translates, on purpose: the warehouse must keep these rows and flag them.
# None of them is in a column a KPI needs, so they show up in the data-quality report, not in the KPIs.
DELIBERATELY_UNMAPPED = {
    "sales_orders.channel": "FAX",
    "exceptions.exception_type": "QC_HOLD",
    "helpdesk_tickets.priority": "SEV0",
}

# role -> courses the role must pass before (or soon after) go-live; managers have none.
TRAINING_REQUIREMENTS = {
    "customer_service": ("ERP-101", "OTC-201"),
    "picker": ("ERP-101", "WMS-201"),
    "warehouse_supervisor": ("ERP-101", "WMS-201", "WMS-301"),
    "inventory_control": ("ERP-101", "WMS-201"),
    "receiver": ("ERP-101", "WMS-201"),
    "buyer": ("ERP-101", "P2P-201"),
    "planner": ("ERP-101", "P2P-201"),
    "finance": ("ERP-101", "OTC-201", "R2R-201"),
}
# Taken by some users of any role, required of none.
OPTIONAL_COURSE = "RPT-110"

# role -> transaction codes of the new ERP its users run.
TRANSACTION_CODES = {
    "customer_service": ("SO_CREATE", "SO_CHANGE", "SO_DISPLAY", "CUSTOMER_LOOKUP", "ATP_CHECK"),
    "picker": ("PICK_CONFIRM", "PICK_LIST", "STOCK_LOOKUP"),
    "warehouse_supervisor": ("WAVE_RELEASE", "PICK_LIST", "GOODS_ISSUE", "EXCEPTION_QUEUE", "STOCK_LOOKUP"),
    "inventory_control": ("CYCLE_COUNT", "STOCK_ADJUST", "STOCK_LOOKUP", "BIN_TRANSFER"),
    "receiver": ("GOODS_RECEIPT", "PUTAWAY_CONFIRM", "PO_DISPLAY"),
    "buyer": ("PO_CREATE", "PO_CHANGE", "PO_APPROVE", "SUPPLIER_LOOKUP"),
    "planner": ("MRP_RUN", "STOCK_OVERVIEW", "TRANSFER_CREATE", "FORECAST_EDIT"),
    "finance": ("INVOICE_POST", "CREDIT_MEMO", "GL_JOURNAL", "CLOSE_COCKPIT", "AR_AGING"),
    "manager": ("REPORT_RUN", "DASHBOARD", "APPROVAL_INBOX"),
}


def code_map_rows() -> list[tuple[str, str, str, str]]:
    """(domain, source_code, canonical_code, source_system) for every legacy code, sorted."""
    rows = []
    for system, domains in LEGACY_CODES.items():
        for domain, legacy_codes in domains.items():
            for source_code, canonical_code in zip(legacy_codes, CANONICAL[domain], strict=True):
                rows.append((domain, source_code, canonical_code, system))
    return sorted(rows)


def training_requirement_rows() -> list[tuple[str, str]]:
    """(role, course_id) for every required course, sorted."""
    return sorted((role, course) for role, courses in TRAINING_REQUIREMENTS.items() for course in courses)


LEGACY_SYSTEMS = tuple(LEGACY_CODES)


def coded_values(domain: str) -> tuple[str, ...]:
    """The dictionary a coded column indexes: canonical codes, each legacy system's, then the unmapped one.

    With n canonical codes, index i is canonical code i, i + n * (1 + s) its twin in legacy system s
    (position in LEGACY_SYSTEMS), and n * (1 + len(LEGACY_SYSTEMS)) the deliberately unmapped code.
    """
    legacy = tuple(code for system in LEGACY_SYSTEMS for code in LEGACY_CODES[system][domain])
    unmapped = (DELIBERATELY_UNMAPPED[domain],) if domain in DELIBERATELY_UNMAPPED else ()
    return CANONICAL[domain] + legacy + unmapped


def unmapped_index(domain: str) -> int:
    return len(CANONICAL[domain]) * (1 + len(LEGACY_SYSTEMS))
