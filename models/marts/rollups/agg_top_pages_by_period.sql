{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ delete_periods_from(ref('fct_top_pages_daily')) }}"
    )
}}

-- Incremental by period (macros/incremental.sql): a build recomputes the
-- periods from the first one holding a newly loaded day.
{%- set start = period_rebuild_start(ref('fct_top_pages_daily')) %}

with

top_pages as (

    select * from {{ ref('fct_top_pages_daily') }}
    where {{ 'true' if start is none else "visit_date >= '" ~ start ~ "'" }}

),

-- One row per site, day and page: a page listed twice on a day
-- counts once that day, with its views summed and its best rank.
daily_pages as (

    select
        site_host,
        publisher,
        visit_date,
        page,
        min(page_rank) as page_rank,
        sum(page_views) as page_views,
        max(loaded_at) as loaded_at

    from top_pages
    group by site_host, publisher, visit_date, page

),

-- Each day counts once in its ISO week and once in its month.
pages_by_period as (

    select
        site_host,
        publisher,
        'week' as period_type,
        cast(date_trunc('week', visit_date) as date) as period_start_date,
        visit_date,
        page,
        page_rank,
        page_views,
        loaded_at

    from daily_pages

    union all

    select
        site_host,
        publisher,
        'month' as period_type,
        cast(date_trunc('month', visit_date) as date) as period_start_date,
        visit_date,
        page,
        page_rank,
        page_views,
        loaded_at

    from daily_pages

),

site_days as (

    select distinct
        site_host,
        visit_date

    from daily_pages

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

page_periods as (

    select
        site_host,
        period_type,
        period_start_date,
        page,
        publisher,
        cast(sum(page_views) as bigint) as page_views_in_top_lists,
        count(*) as days_in_top_list,
        count(*) filter (
            where page_rank <= 10
        ) as days_in_top_10,
        min(page_rank) as best_daily_page_rank,
        max(loaded_at) as loaded_at

    from pages_by_period
    group by site_host, period_type, period_start_date, page, publisher

),

final as (

    select
        page_periods.site_host,
        page_periods.period_type,
        page_periods.period_start_date,
        case page_periods.period_type
            when 'week' then page_periods.period_start_date + 6
            else last_day(page_periods.period_start_date)
        end as period_end_date,
        page_periods.page,
        page_periods.publisher,
        row_number() over (
            partition by
                page_periods.site_host,
                page_periods.period_type,
                page_periods.period_start_date
            order by
                page_periods.page_views_in_top_lists desc,
                page_periods.page asc
        ) as page_rank,
        page_periods.page_views_in_top_lists,
        page_periods.days_in_top_list,
        page_periods.days_in_top_10,
        page_periods.best_daily_page_rank,
        site_periods.days_with_top_list,
        page_periods.loaded_at

    from page_periods
    inner join site_periods
        on
            page_periods.site_host = site_periods.site_host
            and page_periods.period_type = site_periods.period_type
            and page_periods.period_start_date = site_periods.period_start_date

)

select * from final
