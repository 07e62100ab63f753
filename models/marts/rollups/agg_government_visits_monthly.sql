with

ministry_months as (

    select * from {{ ref('agg_ministry_visits_monthly') }}

),

-- One government per publisher: the French sites are not added to the US
-- ones.
government_months as (

    select
        publisher,
        period_start_date,
        period_end_date,
        days_in_period,
        cast(sum(site_count) as bigint) as site_count,
        cast(sum(site_days_with_traffic) as bigint) as site_days_with_traffic,
        cast(sum(site_days_without_traffic) as bigint)
            as site_days_without_traffic,
        cast(sum(site_days_missing) as bigint) as site_days_missing,
        cast(sum(visits) as bigint) as visits,
        cast(sum(sum_of_daily_visitors) as bigint) as sum_of_daily_visitors,
        cast(sum(page_views) as bigint) as page_views,
        {{ combine_rates('ministry_months') }}

    from ministry_months
    group by
        publisher,
        period_start_date,
        period_end_date,
        days_in_period

),

-- A change compares two months without a missing day of any site: with
-- one, it would measure the gap rather than the audience.
final as (

    select
        this_month.publisher,
        this_month.period_start_date,
        this_month.period_end_date,
        this_month.days_in_period,
        this_month.site_count,
        this_month.site_days_with_traffic,
        this_month.site_days_without_traffic,
        this_month.site_days_missing,
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
        {{ visits_change_pct(
            'this_month', 'previous_month', 'site_days_missing'
        ) }}
            as visits_change_from_previous_month_pct,
        last_year.visits as same_month_last_year_visits,
        {{ visits_change_pct('this_month', 'last_year', 'site_days_missing') }}
            as visits_change_from_last_year_pct

    from government_months as this_month
    left join government_months as previous_month
        on
            this_month.publisher = previous_month.publisher
            and this_month.period_start_date - interval 1 month
            = previous_month.period_start_date
    left join government_months as last_year
        on
            this_month.publisher = last_year.publisher
            and this_month.period_start_date - interval 1 year
            = last_year.period_start_date

)

select * from final
