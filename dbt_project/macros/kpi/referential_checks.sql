{#- The references between delivered entities that marts.data_quality checks (int_referential_orphans): a
    child row whose columns are all set but match no row of the parent is an orphan. A check runs only when
    its parent entity was delivered (otherwise every child would be an orphan of a missing delivery). -#}
{% macro referential_checks() -%}
    {%- set checks = [
        ('sales_order_lines', ['order_id'], 'sales_orders', ['order_id']),
        ('shipments', ['order_id', 'line_number'], 'sales_order_lines', ['order_id', 'line_number']),
        ('picks', ['order_id', 'line_number'], 'sales_order_lines', ['order_id', 'line_number']),
        ('invoices', ['order_id'], 'sales_orders', ['order_id']),
        ('exceptions', ['order_id'], 'sales_orders', ['order_id']),
        ('process_events', ['case_id'], 'sales_orders', ['order_id']),
        ('receipts', ['po_id'], 'purchase_orders', ['po_id']),
        ('users', ['site_id'], 'sites', ['site_id']),
        ('sales_orders', ['site_id'], 'sites', ['site_id']),
        ('picks', ['site_id'], 'sites', ['site_id']),
        ('inventory_counts', ['site_id'], 'sites', ['site_id']),
        ('receipts', ['site_id'], 'sites', ['site_id']),
        ('transfers', ['from_site_id'], 'sites', ['site_id']),
        ('transfers', ['to_site_id'], 'sites', ['site_id']),
        ('purchase_orders', ['site_id'], 'sites', ['site_id']),
        ('invoices', ['site_id'], 'sites', ['site_id']),
        ('exceptions', ['site_id'], 'sites', ['site_id']),
        ('process_events', ['site_id'], 'sites', ['site_id']),
        ('helpdesk_tickets', ['site_id'], 'sites', ['site_id']),
        ('close_tasks', ['legal_entity'], 'sites', ['legal_entity']),
        ('close_adjustments', ['legal_entity'], 'sites', ['legal_entity']),
        ('usage_events', ['user_id'], 'users', ['user_id']),
        ('training_completions', ['user_id'], 'users', ['user_id']),
        ('helpdesk_tickets', ['user_id'], 'users', ['user_id']),
        ('picks', ['user_id'], 'users', ['user_id']),
        ('inventory_counts', ['user_id'], 'users', ['user_id']),
        ('process_events', ['user_id'], 'users', ['user_id']),
        ('sales_order_lines', ['item_id'], 'items', ['item_id']),
        ('picks', ['item_id'], 'items', ['item_id']),
        ('inventory_counts', ['item_id'], 'items', ['item_id']),
        ('receipts', ['item_id'], 'items', ['item_id']),
        ('transfers', ['item_id'], 'items', ['item_id']),
    ] -%}
    {%- set result = [] -%}
    {%- for entity, columns, parent, parent_columns in checks -%}
        {%- do result.append({'entity': entity, 'columns': columns, 'parent': parent, 'parent_columns': parent_columns}) -%}
    {%- endfor -%}
    {{ return(result) }}
{%- endmacro %}
