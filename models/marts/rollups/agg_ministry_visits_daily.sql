with

site_visits as (

    select * from {{ ref('fct_site_visits_daily') }}

),

sites as (

    select * from {{ ref('dim_sites') }}

),

-- Every day of each site's history, from its first day loaded to its
-- last, loaded or not: a day without a row is a missing day.
site_days as (

    select
        site_host,
        publisher,
        ministry,
        cast(
            unnest(generate_series(first_date, last_date, interval 1 day))
            as date
        ) as visit_date

    from sites
    where first_date is not null

),

-- A rate's weight is the day's visits when the day has both the rate and
-- its visits; a day without the rate weighs nothing.
weighted_site_days as (

    select
        site_days.publisher,
        site_days.ministry,
        site_days.visit_date,
        site_visits.has_traffic,
        site_visits.visits,
        site_visits.visitors,
        site_visits.page_views,
        {{ weigh_daily_rates('site_visits') }}

    from site_days
    left join site_visits
        on
            site_days.site_host = site_visits.site_host
            and site_days.visit_date = site_visits.visit_date

),

-- Sites without a ministry stay together under their publisher, with a
-- null ministry, rather than under a made-up name.
ministry_days as (

    select
        publisher,
        ministry,
        visit_date,
        count(*) as site_count,
        count(*) filter (where has_traffic) as site_days_with_traffic,
        count(*) filter (where not has_traffic) as site_days_without_traffic,
        count(*) filter (where has_traffic is null) as site_days_missing,
        cast(sum(visits) as bigint) as visits,
        cast(sum(visitors) as bigint) as sum_of_daily_visitors,
        cast(sum(page_views) as bigint) as page_views,
        sum(weighted_pages_per_visit)
        / nullif(sum(visits_with_pages_per_visit), 0) as pages_per_visit,
        sum(weighted_bounce_rate)
        / nullif(sum(visits_with_bounce_rate), 0) as bounce_rate_pct,
        sum(weighted_time_per_visit)
        / nullif(sum(visits_with_time_per_visit), 0) as time_per_visit_seconds,
        cast(
            sum(visits_with_pages_per_visit) as bigint
        ) as visits_with_pages_per_visit,
        cast(sum(visits_with_bounce_rate) as bigint) as visits_with_bounce_rate,
        cast(
            sum(visits_with_time_per_visit) as bigint
        ) as visits_with_time_per_visit

    from weighted_site_days
    group by publisher, ministry, visit_date

),

-- A change compares two days without a missing site: with one, it would
-- measure the gap rather than the audience. Last year's day is the same
-- date; 29 February compares with 28 February.
final as (

    select
        this_day.publisher,
        this_day.ministry,
        this_day.visit_date,
        this_day.site_count,
        this_day.site_days_with_traffic,
        this_day.site_days_without_traffic,
        this_day.site_days_missing,
        this_day.visits,
        this_day.sum_of_daily_visitors,
        this_day.page_views,
        this_day.pages_per_visit,
        this_day.bounce_rate_pct,
        this_day.time_per_visit_seconds,
        this_day.visits_with_pages_per_visit,
        this_day.visits_with_bounce_rate,
        this_day.visits_with_time_per_visit,
        previous_day.visits as previous_day_visits,
        {{ visits_change_pct('this_day', 'previous_day', 'site_days_missing') }}
            as visits_change_from_previous_day_pct,
        last_year.visits as same_day_last_year_visits,
        {{ visits_change_pct('this_day', 'last_year', 'site_days_missing') }}
            as visits_change_from_last_year_pct

    from ministry_days as this_day
    left join ministry_days as previous_day
        on
            this_day.publisher = previous_day.publisher
            and this_day.ministry is not distinct from previous_day.ministry
            and this_day.visit_date - 1 = previous_day.visit_date
    left join ministry_days as last_year
        on
            this_day.publisher = last_year.publisher
            and this_day.ministry is not distinct from last_year.ministry
            and this_day.visit_date - interval 1 year = last_year.visit_date

)

select * from final
