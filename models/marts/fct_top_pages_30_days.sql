with

dap as (

    select * from {{ ref('int_dap__top_pages_30_days') }}

),

-- Only the DAP publishes its top pages over 30-day windows; the French
-- files have them per day, in fct_top_pages_daily. A window is not spread
-- over its days: its figures hold for the 30 days together.
final as (

    select
        site_host,
        publisher,
        page_rank,
        page_domain,
        page,
        page_title,
        page_views,
        visits,
        active_visitors,
        pages_per_visit,
        time_per_visit_seconds,
        bounce_rate,
        bounce_rate_pct,
        is_window_from_own_report,
        window_start_date,
        window_end_date,
        taken_at

    from dap

)

select * from final
