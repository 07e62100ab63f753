with

site_days as (

    select * from {{ ref('stg_statgouv__site_days') }}

),

totals as (

    select * from {{ ref('stg_statgouv__totals') }}

),

-- Every loaded day is kept; a day without traffic has no total line, so
-- its figures stay null.
final as (

    select
        site_days.site_host,
        site_days.visit_date,
        'statgouv' as publisher,
        totals.visits,
        totals.visitors,
        totals.page_views,
        totals.pages_per_visit,
        totals.bounce_rate_pct,
        totals.time_per_visit_seconds,
        site_days.has_traffic,
        site_days.loaded_at

    from site_days
    left join totals
        on
            site_days.site_host = totals.site_host
            and site_days.visit_date = totals.visit_date
            and site_days.loaded_at = totals.loaded_at

)

select * from final
