with

site_visits as (

    select * from {{ ref('fct_site_visits_daily') }}

),

site_histories as (

    select
        site_host,
        publisher,
        min(visit_date) as first_date,
        max(visit_date) as last_date

    from site_visits
    group by site_host, publisher

),

-- Every ISO week that a site's history touches gets a row, even a week
-- without any day loaded, so that its missing days show.
site_weeks as (

    select
        site_host,
        publisher,
        cast(
            unnest(
                generate_series(
                    date_trunc('week', first_date),
                    date_trunc('week', last_date),
                    interval 7 day
                )
            ) as date
        ) as period_start_date

    from site_histories

),

-- A rate's weight is the day's visits when the day has both the rate and
-- its visits; a day without the rate weighs nothing.
weighted_days as (

    select
        site_host,
        cast(date_trunc('week', visit_date) as date) as period_start_date,
        has_traffic,
        visits,
        visitors,
        page_views,
        {{ weigh_daily_rates('site_visits') }}

    from site_visits

),

weeks_loaded as (

    select
        site_host,
        period_start_date,
        count(*) as days_loaded,
        count(*) filter (where has_traffic) as days_with_traffic,
        cast(sum(visits) as bigint) as visits,
        cast(sum(visitors) as bigint) as sum_of_daily_visitors,
        cast(sum(page_views) as bigint) as page_views,
        cast(
            sum(visits_with_pages_per_visit) as bigint
        ) as visits_with_pages_per_visit,
        cast(sum(visits_with_bounce_rate) as bigint) as visits_with_bounce_rate,
        cast(
            sum(visits_with_time_per_visit) as bigint
        ) as visits_with_time_per_visit,
        sum(weighted_pages_per_visit) as weighted_pages_per_visit,
        sum(weighted_bounce_rate) as weighted_bounce_rate,
        sum(weighted_time_per_visit) as weighted_time_per_visit

    from weighted_days
    group by site_host, period_start_date

),

weeks as (

    select
        site_weeks.site_host,
        site_weeks.period_start_date,
        site_weeks.period_start_date + 6 as period_end_date,
        site_weeks.publisher,
        cast(isoyear(site_weeks.period_start_date) as integer) as iso_year,
        cast(week(site_weeks.period_start_date) as integer) as iso_week,
        7 as days_in_period,
        coalesce(weeks_loaded.days_with_traffic, 0) as days_with_traffic,
        coalesce(weeks_loaded.days_loaded, 0)
        - coalesce(weeks_loaded.days_with_traffic, 0) as days_without_traffic,
        7 - coalesce(weeks_loaded.days_loaded, 0) as days_missing,
        weeks_loaded.visits,
        weeks_loaded.sum_of_daily_visitors,
        weeks_loaded.page_views,
        weeks_loaded.weighted_pages_per_visit
        / nullif(weeks_loaded.visits_with_pages_per_visit, 0)
            as pages_per_visit,
        weeks_loaded.weighted_bounce_rate
        / nullif(weeks_loaded.visits_with_bounce_rate, 0) as bounce_rate_pct,
        weeks_loaded.weighted_time_per_visit
        / nullif(weeks_loaded.visits_with_time_per_visit, 0)
            as time_per_visit_seconds,
        weeks_loaded.visits_with_pages_per_visit,
        weeks_loaded.visits_with_bounce_rate,
        weeks_loaded.visits_with_time_per_visit

    from site_weeks
    left join weeks_loaded
        on
            site_weeks.site_host = weeks_loaded.site_host
            and site_weeks.period_start_date = weeks_loaded.period_start_date

),

-- A change compares two weeks without a missing day: with one, it would
-- measure the gap rather than the audience.
final as (

    select
        this_week.site_host,
        this_week.period_start_date,
        this_week.period_end_date,
        this_week.publisher,
        this_week.iso_year,
        this_week.iso_week,
        this_week.days_in_period,
        this_week.days_with_traffic,
        this_week.days_without_traffic,
        this_week.days_missing,
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
        {{ visits_change_pct('this_week', 'previous_week', 'days_missing') }}
            as visits_change_from_previous_week_pct,
        last_year.visits as same_week_last_year_visits,
        {{ visits_change_pct('this_week', 'last_year', 'days_missing') }}
            as visits_change_from_last_year_pct

    from weeks as this_week
    left join weeks as previous_week
        on
            this_week.site_host = previous_week.site_host
            and this_week.period_start_date - 7
            = previous_week.period_start_date
    left join weeks as last_year
        on
            this_week.site_host = last_year.site_host
            and this_week.iso_year - 1 = last_year.iso_year
            and this_week.iso_week = last_year.iso_week

)

select * from final
