{#- One row per user at a known site: whether the user's role has required courses (training_requirements)
    and, when it has, the instant and site-local date from which the user had passed every one of them. A
    course is passed from its first completion with passed = true; a later failed attempt does not undo
    it. A user whose role is an unknown code has no known requirements (not requiring training). -#}
with

users as (
    select * from {{ ref('stg_erp__users') }}
),

sites as (
    select * from {{ ref('stg_erp__sites') }}
),

training_requirements as (
    select * from {{ ref('stg_reference__training_requirements') }}
),

training_completions as (
    select * from {{ ref('stg_erp__training_completions') }}
),

required_courses as (
    select distinct
        users.user_id,
        training_requirements.course_id
    from users
    inner join training_requirements on users.role = training_requirements.role
    where not users.has_unknown_role
),

first_passes as (
    select
        user_id,
        course_id,
        min(completed_at) as first_passed_at
    from training_completions
    where passed
    group by user_id, course_id
),

user_course_status as (
    select
        required_courses.user_id,
        count(*) as required_course_count,
        count(first_passes.first_passed_at) as passed_course_count,
        max(first_passes.first_passed_at) as last_first_passed_at
    from required_courses
    left join first_passes
        on
            required_courses.user_id = first_passes.user_id
            and required_courses.course_id = first_passes.course_id
    group by required_courses.user_id
),

final as (
    select
        users.user_id,
        users.site_id,
        users.role,
        users.has_unknown_role,
        users.provisioned_date,
        users.deactivated_date,
        user_course_status.user_id is not null as requires_training,
        coalesce(user_course_status.required_course_count, 0) as required_course_count,
        coalesce(user_course_status.passed_course_count, 0) as passed_course_count,
        case
            when user_course_status.passed_course_count = user_course_status.required_course_count
                then user_course_status.last_first_passed_at
        end as fully_trained_at,
        case
            when user_course_status.passed_course_count = user_course_status.required_course_count
                then {{ local_date('user_course_status.last_first_passed_at', 'sites.timezone') }}
        end as fully_trained_date
    from users
    inner join sites on users.site_id = sites.site_id
    left join user_course_status on users.user_id = user_course_status.user_id
)

select * from final
