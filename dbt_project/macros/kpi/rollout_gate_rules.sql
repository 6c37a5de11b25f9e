{#- The documented rules of the rollout gate (docs/kpis.md "Rollout gates"), one place for marts.wave_gates:
    a wave's gate in an ISO week looks at the live sites of the previous wave in that week.
    - pause: some live site of the previous wave has at least pause_red_kpis_per_site red KPIs, or a KPI
      of it with a baseline is still unrecovered more than pause_unrecovered_days after its go-live;
    - hold: the previous wave has no live site yet, or one of its live sites has a red KPI, or a KPI still unrecovered more than
      hold_unrecovered_days after its go-live;
    - proceed: otherwise (and for the first wave, which has no previous wave).
    marts.site_readiness calls a site at_risk when its role mix differs from the live sites' by more than
    readiness_role_mix_distance_at_risk (total variation distance, 0 = same mix, 1 = disjoint). -#}
{% macro rollout_gate_rules() -%}
    {{ return({
        'hold_unrecovered_days': 28,
        'pause_unrecovered_days': 56,
        'pause_red_kpis_per_site': 3,
        'readiness_role_mix_distance_at_risk': 0.25,
    }) }}
{%- endmacro %}
