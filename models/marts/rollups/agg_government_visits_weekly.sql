with

ministry_weeks as (

    select * from {{ ref('agg_ministry_visits_weekly') }}

),

-- One government per publisher: the French sites are not added to the US
-- ones.
government_weeks as (

    select
        publisher,
        period_start_date,
        period_end_date,
        iso_year,
        iso_week,
        days_in_period,
        cast(sum(site_count) as bigint) as site_count,
        cast(sum(site_days_with_traffic) as bigint) as site_days_with_traffic,
        cast(sum(site_days_without_traffic) as bigint)
            as site_days_without_traffic,
        cast(sum(site_days_missing) as bigint) as site_days_missing,
        cast(sum(visits) as bigint) as visits,
        cast(sum(sum_of_daily_visitors) as bigint) as sum_of_daily_visitors,
        cast(sum(page_views) as bigint) as page_views,
        {{ combine_rates('ministry_weeks') }}

    from ministry_weeks
    group by
        publisher,
        period_start_date,
        period_end_date,
        iso_year,
        iso_week,
        days_in_period

),

-- A change compares two weeks without a missing day of any site: with
-- one, it would measure the gap rather than the audience.
final as (

    select
        this_week.publisher,
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

    from government_weeks as this_week
    left join government_weeks as previous_week
        on
            this_week.publisher = previous_week.publisher
            and this_week.period_start_date - 7
            = previous_week.period_start_date
    left join government_weeks as last_year
        on
            this_week.publisher = last_year.publisher
            and this_week.iso_year - 1 = last_year.iso_year
            and this_week.iso_week = last_year.iso_week

)

select * from final
