with

dap as (

    select * from {{ ref('int_dap__top_sources_30_days') }}

),

-- Only the DAP publishes its top sources over 30-day windows; the French
-- files have their sources per day, in fct_source_visits_daily. A window
-- is not spread over its days: its figures hold for the 30 days together.
final as (

    select
        site_host,
        publisher,
        source_rank,
        source,
        channel_label,
        session_source,
        visits,
        page_views,
        visitors,
        pages_per_visit,
        time_per_visit_seconds,
        bounce_rate,
        bounce_rate_pct,
        is_known_label,
        is_window_from_own_report,
        window_start_date,
        window_end_date,
        taken_at

    from dap

)

select * from final
