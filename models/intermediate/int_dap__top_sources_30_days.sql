with

top_sources as (

    select * from {{ ref('stg_dap__top_sources_30_days') }}

),

final as (

    select
        site_host,
        'dap' as publisher,
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

    from top_sources

)

select * from final
