with

top_pages as (

    select * from {{ ref('stg_dap__top_pages_30_days') }}

),

final as (

    select
        site_host,
        'dap' as publisher,
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

    from top_pages

)

select * from final
