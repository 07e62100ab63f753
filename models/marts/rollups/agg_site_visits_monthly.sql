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

-- Every month that a site's history touches gets a row, even a month
-- without any day loaded, so that its missing days show.
site_months as (

    select
        site_host,
        publisher,
        cast(
            unnest(
                generate_series(
                    date_trunc('month', first_date),
                    date_trunc('month', last_date),
                    interval 1 month
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
        cast(date_trunc('month', visit_date) as date) as period_start_date,
        has_traffic,
        visits,
        visitors,
        page_views,
        {{ weigh_daily_rates('site_visits') }}

    from site_visits

),

months_loaded as (

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

months as (

    select
        site_months.site_host,
        site_months.period_start_date,
        last_day(site_months.period_start_date) as period_end_date,
        site_months.publisher,
        cast(
            day(last_day(site_months.period_start_date)) as integer
        ) as days_in_period,
        coalesce(months_loaded.days_with_traffic, 0) as days_with_traffic,
        coalesce(months_loaded.days_loaded, 0)
        - coalesce(months_loaded.days_with_traffic, 0) as days_without_traffic,
        day(last_day(site_months.period_start_date))
        - coalesce(months_loaded.days_loaded, 0) as days_missing,
        months_loaded.visits,
        months_loaded.sum_of_daily_visitors,
        months_loaded.page_views,
        months_loaded.weighted_pages_per_visit
        / nullif(months_loaded.visits_with_pages_per_visit, 0)
            as pages_per_visit,
        months_loaded.weighted_bounce_rate
        / nullif(months_loaded.visits_with_bounce_rate, 0) as bounce_rate_pct,
        months_loaded.weighted_time_per_visit
        / nullif(months_loaded.visits_with_time_per_visit, 0)
            as time_per_visit_seconds,
        months_loaded.visits_with_pages_per_visit,
        months_loaded.visits_with_bounce_rate,
        months_loaded.visits_with_time_per_visit

    from site_months
    left join months_loaded
        on
            site_months.site_host = months_loaded.site_host
            and site_months.period_start_date = months_loaded.period_start_date

),

-- A change compares two months without a missing day: with one, it would
-- measure the gap rather than the audience.
final as (

    select
        this_month.site_host,
        this_month.period_start_date,
        this_month.period_end_date,
        this_month.publisher,
        this_month.days_in_period,
        this_month.days_with_traffic,
        this_month.days_without_traffic,
        this_month.days_missing,
        this_month.visits,
        this_month.sum_of_daily_visitors,
        this_month.page_views,
        this_month.pages_per_visit,
        this_month.bounce_rate_pct,
        this_month.time_per_visit_seconds,
        this_month.visits_with_pages_per_visit,
        this_month.visits_with_bounce_rate,
        this_month.visits_with_time_per_visit,
        previous_month.visits as previous_month_visits,
        {{ visits_change_pct('this_month', 'previous_month', 'days_missing') }}
            as visits_change_from_previous_month_pct,
        last_year.visits as same_month_last_year_visits,
        {{ visits_change_pct('this_month', 'last_year', 'days_missing') }}
            as visits_change_from_last_year_pct

    from months as this_month
    left join months as previous_month
        on
            this_month.site_host = previous_month.site_host
            and this_month.period_start_date - interval 1 month
            = previous_month.period_start_date
    left join months as last_year
        on
            this_month.site_host = last_year.site_host
            and this_month.period_start_date - interval 1 year
            = last_year.period_start_date

)

select * from final
