with

ministry_days as (

    select * from {{ ref('agg_ministry_visits_daily') }}

),

-- One government per publisher: the French sites are not added to the US
-- ones.
government_days as (

    select
        publisher,
        visit_date,
        cast(sum(site_count) as bigint) as site_count,
        cast(sum(site_days_with_traffic) as bigint) as site_days_with_traffic,
        cast(sum(site_days_without_traffic) as bigint)
            as site_days_without_traffic,
        cast(sum(site_days_missing) as bigint) as site_days_missing,
        cast(sum(visits) as bigint) as visits,
        cast(sum(sum_of_daily_visitors) as bigint) as sum_of_daily_visitors,
        cast(sum(page_views) as bigint) as page_views,
        {{ combine_rates('ministry_days') }}

    from ministry_days
    group by
        publisher,
        visit_date

),

-- A change compares two days without a missing site: with one, it would
-- measure the gap rather than the audience. Last year's day is the same
-- date; 29 February compares with 28 February.
final as (

    select
        this_day.publisher,
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

    from government_days as this_day
    left join government_days as previous_day
        on
            this_day.publisher = previous_day.publisher
            and this_day.visit_date - 1 = previous_day.visit_date
    left join government_days as last_year
        on
            this_day.publisher = last_year.publisher
            and this_day.visit_date - interval 1 year = last_year.visit_date

)

select * from final
