{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ delete_periods_from(ref('fct_top_referrers_daily')) }}"
    )
}}

-- Incremental by period (macros/incremental.sql): a build recomputes the
-- periods from the first one holding a newly loaded day.
{%- set start = period_rebuild_start(ref('fct_top_referrers_daily')) %}

with

top_referrers as (

    select * from {{ ref('fct_top_referrers_daily') }}
    where {{ 'true' if start is none else "visit_date >= '" ~ start ~ "'" }}

),

-- One row per site, day and referrer: a referrer listed twice on a day
-- counts once that day, with its views summed and its best rank.
daily_referrers as (

    select
        site_host,
        publisher,
        visit_date,
        referrer_url,
        min(referrer_rank) as referrer_rank,
        sum(visits) as visits,
        max(loaded_at) as loaded_at

    from top_referrers
    group by site_host, publisher, visit_date, referrer_url

),

-- Each day counts once in its ISO week and once in its month.
referrers_by_period as (

    select
        site_host,
        publisher,
        'week' as period_type,
        cast(date_trunc('week', visit_date) as date) as period_start_date,
        visit_date,
        referrer_url,
        referrer_rank,
        visits,
        loaded_at

    from daily_referrers

    union all

    select
        site_host,
        publisher,
        'month' as period_type,
        cast(date_trunc('month', visit_date) as date) as period_start_date,
        visit_date,
        referrer_url,
        referrer_rank,
        visits,
        loaded_at

    from daily_referrers

),

site_days as (

    select distinct
        site_host,
        visit_date

    from daily_referrers

),

site_periods as (

    select
        site_host,
        period_type,
        period_start_date,
        count(*) as days_with_top_list

    from (
        select
            site_host,
            'week' as period_type,
            cast(date_trunc('week', visit_date) as date) as period_start_date
        from site_days
        union all
        select
            site_host,
            'month' as period_type,
            cast(date_trunc('month', visit_date) as date) as period_start_date
        from site_days
    ) as site_day_periods
    group by site_host, period_type, period_start_date

),

referrer_periods as (

    select
        site_host,
        period_type,
        period_start_date,
        referrer_url,
        publisher,
        cast(sum(visits) as bigint) as visits_in_top_lists,
        count(*) as days_in_top_list,
        count(*) filter (
            where referrer_rank <= 10
        ) as days_in_top_10,
        min(referrer_rank) as best_daily_referrer_rank,
        max(loaded_at) as loaded_at

    from referrers_by_period
    group by site_host, period_type, period_start_date, referrer_url, publisher

),

final as (

    select
        referrer_periods.site_host,
        referrer_periods.period_type,
        referrer_periods.period_start_date,
        case referrer_periods.period_type
            when 'week' then referrer_periods.period_start_date + 6
            else last_day(referrer_periods.period_start_date)
        end as period_end_date,
        referrer_periods.referrer_url,
        referrer_periods.publisher,
        row_number() over (
            partition by
                referrer_periods.site_host,
                referrer_periods.period_type,
                referrer_periods.period_start_date
            order by
                referrer_periods.visits_in_top_lists desc,
                referrer_periods.referrer_url asc
        ) as referrer_rank,
        referrer_periods.visits_in_top_lists,
        referrer_periods.days_in_top_list,
        referrer_periods.days_in_top_10,
        referrer_periods.best_daily_referrer_rank,
        site_periods.days_with_top_list,
        referrer_periods.loaded_at

    from referrer_periods
    inner join site_periods
        on
            referrer_periods.site_host = site_periods.site_host
            and referrer_periods.period_type = site_periods.period_type
            and referrer_periods.period_start_date
            = site_periods.period_start_date

)

select * from final
