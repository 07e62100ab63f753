with

daily_visits as (

    select * from {{ ref('stg_dap__daily_visits') }}

),

-- The DAP publishes visits alone per day: the other figures stay null,
-- never zero. Every day of users.csv was measured, so it has traffic.
final as (

    select
        site_host,
        visit_date,
        'dap' as publisher,
        visits,
        cast(null as bigint) as visitors,
        cast(null as bigint) as page_views,
        cast(null as decimal(10, 2)) as pages_per_visit,
        cast(null as decimal(5, 1)) as bounce_rate_pct,
        cast(null as integer) as time_per_visit_seconds,
        true as has_traffic,
        loaded_at

    from daily_visits

)

select * from final
