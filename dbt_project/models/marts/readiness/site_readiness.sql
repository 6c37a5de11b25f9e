{#- marts.site_readiness: one row per site not yet live as of the latest day in the data (as_of_date, the
    network's last calendar day): go_live_date null, or a go_live_date after as_of_date (a planned date,
    which gives days_to_go_live; the contract has no other planned date, so it is null otherwise).
    Provisioned users are those provisioned on as_of_date. Shows their training completion, their role mix
    against the live sites' (total variation distance of role shares; roles present at live sites but
    missing here), the site's open master-data issues (its sites row flagged, its users flagged or with an
    unknown role, its users' rows rejected) and a readiness status:
    - not_ready: no provisioned user, a role of the live sites missing, or training completion below the
      red_threshold of training_completion_rate;
    - at_risk: training completion below its amber_threshold, any open master-data issue, or a role mix
      distance above readiness_role_mix_distance_at_risk (rollout_gate_rules());
    - ready: otherwise. -#}
{%- set rules = rollout_gate_rules() -%}
with

sites as (
    select * from {{ ref('stg_erp__sites') }}
),

users as (
    select * from {{ ref('int_user_training') }}
),

staged_users as (
    select * from {{ ref('stg_erp__users') }}
),

validated_users as (
    select * from {{ ref('base_erp__users') }}
),

calendar as (
    select * from {{ ref('int_site_calendar') }}
),

kpi_targets as (
    select * from {{ ref('stg_reference__kpi_targets') }}
),

as_of as (
    select max(calendar_date) as as_of_date
    from calendar
),

site_status as (
    select
        sites.*,
        as_of.as_of_date,
        sites.go_live_date is not null and sites.go_live_date <= as_of.as_of_date as is_live
    from sites
    cross join as_of
),

not_live_sites as (
    select *
    from site_status
    where not is_live
),

provisioned_users as (
    select users.*
    from users
    cross join as_of
    where
        users.provisioned_date <= as_of.as_of_date
        and (users.deactivated_date is null or users.deactivated_date > as_of.as_of_date)
),

site_training as (
    select
        provisioned_users.site_id,
        count(*) as provisioned_users,
        sum(case when provisioned_users.requires_training then 1 else 0 end) as users_requiring_training,
        sum(
            case
                when
                    provisioned_users.requires_training
                    and provisioned_users.fully_trained_date <= as_of.as_of_date
                    then 1
                else 0
            end
        ) as trained_users
    from provisioned_users
    cross join as_of
    group by provisioned_users.site_id
),

live_role_counts as (
    select
        provisioned_users.role,
        count(*) as role_users
    from provisioned_users
    inner join site_status on provisioned_users.site_id = site_status.site_id
    where site_status.is_live and not provisioned_users.has_unknown_role
    group by provisioned_users.role
),

live_role_mix as (
    select
        role,
        cast(role_users as {{ type_double() }}) / (select sum(total.role_users) from live_role_counts as total)
            as live_role_share
    from live_role_counts
),

site_role_counts as (
    select
        site_id,
        role,
        count(*) as role_users
    from provisioned_users
    where not has_unknown_role
    group by site_id, role
),

site_role_totals as (
    select
        site_id,
        sum(role_users) as known_role_users
    from site_role_counts
    group by site_id
),

roles as (
    select role from live_role_mix
    union
    select role from site_role_counts
),

site_role_mix as (
    select
        not_live_sites.site_id,
        roles.role,
        coalesce(site_role_counts.role_users, 0) as role_users,
        coalesce(cast(site_role_counts.role_users as {{ type_double() }}) / site_role_totals.known_role_users, 0)
            as site_role_share,
        coalesce(live_role_mix.live_role_share, 0) as live_role_share
    from not_live_sites
    cross join roles
    left join site_role_counts
        on
            not_live_sites.site_id = site_role_counts.site_id
            and roles.role = site_role_counts.role
    left join site_role_totals on not_live_sites.site_id = site_role_totals.site_id
    left join live_role_mix on roles.role = live_role_mix.role
),

site_role_gaps as (
    select
        site_role_mix.site_id,
        case
            when (select count(*) from live_role_mix) = 0 then null
            when max(site_role_totals.known_role_users) is null then 1.0
            else 0.5 * sum(abs(site_role_mix.site_role_share - site_role_mix.live_role_share))
        end as role_mix_distance,
        sum(case when site_role_mix.role_users = 0 and site_role_mix.live_role_share > 0 then 1 else 0 end)
            as missing_role_count,
        {{ dbt.listagg(
            "case when site_role_mix.role_users = 0 and site_role_mix.live_role_share > 0 then site_role_mix.role end",
            "', '",
            "order by site_role_mix.role"
        ) }} as missing_roles
    from site_role_mix
    left join site_role_totals on site_role_mix.site_id = site_role_totals.site_id
    group by site_role_mix.site_id
),

flagged_users as (
    select
        site_id,
        count(*) as flagged_users
    from staged_users
    where is_flagged
    group by site_id
),

rejected_users as (
    select
        trim(_raw_site_id) as site_id,
        count(*) as rejected_users
    from validated_users
    where _is_latest and _is_rejected
    group by trim(_raw_site_id)
),

training_target as (
    select
        amber_threshold,
        red_threshold
    from kpi_targets
    where kpi = 'training_completion_rate'
),

readiness as (
    select
        not_live_sites.site_id,
        not_live_sites.site_name,
        not_live_sites.region,
        not_live_sites.rollout_wave,
        not_live_sites.as_of_date,
        not_live_sites.go_live_date as planned_go_live_date,
        {{ days_between('not_live_sites.as_of_date', 'not_live_sites.go_live_date') }} as days_to_go_live,  -- noqa: LT05
        coalesce(site_training.provisioned_users, 0) as provisioned_users,
        coalesce(site_training.users_requiring_training, 0) as users_requiring_training,
        coalesce(site_training.trained_users, 0) as trained_users,
        cast(site_training.trained_users as {{ type_double() }})
        / nullif(site_training.users_requiring_training, 0) as training_completion_rate,
        site_role_gaps.role_mix_distance,
        coalesce(site_role_gaps.missing_role_count, 0) as missing_role_count,
        site_role_gaps.missing_roles,
        (case when not_live_sites.is_flagged then 1 else 0 end)
        + coalesce(flagged_users.flagged_users, 0)
        + coalesce(rejected_users.rejected_users, 0) as open_master_data_issues
    from not_live_sites
    left join site_training on not_live_sites.site_id = site_training.site_id
    left join site_role_gaps on not_live_sites.site_id = site_role_gaps.site_id
    left join flagged_users on not_live_sites.site_id = flagged_users.site_id
    left join rejected_users on not_live_sites.site_id = rejected_users.site_id
),

final as (
    select
        readiness.*,
        case
            when readiness.provisioned_users = 0 then 'not_ready'
            when readiness.missing_role_count > 0 then 'not_ready'
            when readiness.training_completion_rate < training_target.red_threshold then 'not_ready'
            when readiness.training_completion_rate < training_target.amber_threshold then 'at_risk'
            when readiness.open_master_data_issues > 0 then 'at_risk'
            when readiness.role_mix_distance > {{ rules['readiness_role_mix_distance_at_risk'] }} then 'at_risk'
            else 'ready'
        end as readiness_status
    from readiness
    left join training_target on 1 = 1
)

select * from final
