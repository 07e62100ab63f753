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

-- Every day of each site's history, loaded or not, ends a window.
site_days as (

    select
        site_host,
        publisher,
        cast(
            unnest(generate_series(first_date, last_date, interval 1 day))
            as date
        ) as visit_date

    from site_histories

),

-- A rate's weight is the day's visits when the day has both the rate and
-- its visits; a day without the rate weighs nothing.
weighted_days as (

    select
        site_days.site_host,
        site_days.publisher,
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

-- The lengths of the US publication's windows.
window_lengths as (

    select
        window_days,
        window_days - 1 as days_before_end

    from unnest([7, 30, 90]) as lengths (window_days)

),

-- The window of each length ending on each day. The site's days are one
-- row per calendar day, so the rows of a frame are its days; the days
-- before the site's history count as missing.
windows as (

    select
        weighted_days.site_host,
        weighted_days.visit_date as window_end_date,
        window_lengths.window_days,
        weighted_days.publisher,
        count(weighted_days.has_traffic) over last_days as days_loaded,
        count(*) filter (where weighted_days.has_traffic)
            over last_days as days_with_traffic,
        sum(weighted_days.visits) over last_days as visits,
        sum(weighted_days.visitors) over last_days as sum_of_daily_visitors,
        sum(weighted_days.page_views) over last_days as page_views,
        sum(weighted_days.visits_with_pages_per_visit)
            over last_days as visits_with_pages_per_visit,
        sum(weighted_days.visits_with_bounce_rate)
            over last_days as visits_with_bounce_rate,
        sum(weighted_days.visits_with_time_per_visit)
            over last_days as visits_with_time_per_visit,
        sum(weighted_days.weighted_pages_per_visit)
            over last_days as weighted_pages_per_visit,
        sum(weighted_days.weighted_bounce_rate)
            over last_days as weighted_bounce_rate,
        sum(weighted_days.weighted_time_per_visit)
            over last_days as weighted_time_per_visit

    from weighted_days
    cross join window_lengths
    window last_days as (
        partition by weighted_days.site_host, window_lengths.window_days
        order by weighted_days.visit_date
        rows between window_lengths.days_before_end preceding and current row
    )

),

final as (

    select
        site_host,
        window_end_date,
        window_days,
        cast(window_end_date - window_days + 1 as date) as window_start_date,
        publisher,
        days_with_traffic,
        days_loaded - days_with_traffic as days_without_traffic,
        window_days - days_loaded as days_missing,
        cast(visits as bigint) as visits,
        cast(sum_of_daily_visitors as bigint) as sum_of_daily_visitors,
        cast(page_views as bigint) as page_views,
        weighted_pages_per_visit
        / nullif(visits_with_pages_per_visit, 0) as pages_per_visit,
        weighted_bounce_rate
        / nullif(visits_with_bounce_rate, 0) as bounce_rate_pct,
        weighted_time_per_visit
        / nullif(visits_with_time_per_visit, 0) as time_per_visit_seconds,
        cast(
            visits_with_pages_per_visit as bigint
        ) as visits_with_pages_per_visit,
        cast(visits_with_bounce_rate as bigint) as visits_with_bounce_rate,
        cast(
            visits_with_time_per_visit as bigint
        ) as visits_with_time_per_visit

    from windows

)

select * from final
