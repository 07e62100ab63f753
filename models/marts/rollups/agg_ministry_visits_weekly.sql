with

site_weeks as (

    select * from {{ ref('agg_site_visits_weekly') }}

),

sites as (

    select * from {{ ref('dim_sites') }}

),

-- Sites without a ministry stay together under their publisher, with a
-- null ministry, rather than under a made-up name.
ministry_weeks as (

    select
        sites.publisher,
        sites.ministry,
        site_weeks.period_start_date,
        site_weeks.period_end_date,
        site_weeks.iso_year,
        site_weeks.iso_week,
        site_weeks.days_in_period,
        count(*) as site_count,
        cast(sum(site_weeks.days_with_traffic) as bigint)
            as site_days_with_traffic,
        cast(sum(site_weeks.days_without_traffic) as bigint)
            as site_days_without_traffic,
        cast(sum(site_weeks.days_missing) as bigint) as site_days_missing,
        cast(sum(site_weeks.visits) as bigint) as visits,
        cast(
            sum(site_weeks.sum_of_daily_visitors) as bigint
        ) as sum_of_daily_visitors,
        cast(sum(site_weeks.page_views) as bigint) as page_views,
        {{ combine_rates('site_weeks') }}

    from site_weeks
    inner join sites
        on site_weeks.site_host = sites.site_host
    group by
        sites.publisher,
        sites.ministry,
        site_weeks.period_start_date,
        site_weeks.period_end_date,
        site_weeks.iso_year,
        site_weeks.iso_week,
        site_weeks.days_in_period

),

-- A change compares two weeks without a missing day of any of the
-- ministry's sites: with one, it would measure the gap rather than the
-- audience.
final as (

    select
        this_week.publisher,
        this_week.ministry,
        this_week.period_start_date,
        this_week.period_end_date,
        this_week.iso_year,
        this_week.iso_week,
        this_week.days_in_period,
        this_week.site_count,
        this_week.site_days_with_traffic,
        this_week.site_days_without_traffic,
        this_week.site_days_missing,
        this_week.visits,
        this_week.sum_of_daily_visitors,
        this_week.page_views,
        this_week.pages_per_visit,
        this_week.bounce_rate_pct,
        this_week.time_per_visit_seconds,
        this_week.visits_with_pages_per_visit,
        this_week.visits_with_bounce_rate,
        this_week.visits_with_time_per_visit,
        previous_week.visits as previous_week_visits,
        {{ visits_change_pct(
            'this_week', 'previous_week', 'site_days_missing'
        ) }}
            as visits_change_from_previous_week_pct,
        last_year.visits as same_week_last_year_visits,
        {{ visits_change_pct('this_week', 'last_year', 'site_days_missing') }}
            as visits_change_from_last_year_pct

    from ministry_weeks as this_week
    left join ministry_weeks as previous_week
        on
            this_week.publisher = previous_week.publisher
            and this_week.ministry is not distinct from previous_week.ministry
            and this_week.period_start_date - 7
            = previous_week.period_start_date
    left join ministry_weeks as last_year
        on
            this_week.publisher = last_year.publisher
            and this_week.ministry is not distinct from last_year.ministry
            and this_week.iso_year - 1 = last_year.iso_year
            and this_week.iso_week = last_year.iso_week

)

select * from final
