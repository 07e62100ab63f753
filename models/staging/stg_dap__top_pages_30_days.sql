{#-
    The dap loader creates its raw table on its first run; until then this
    model reads an empty table of the same columns, so that a warehouse of
    French data alone still builds.
-#}
{%- set raw_table = source('dap', 'top_pages') -%}
{%- if execute and raw_table.schema == 'raw' -%}
    {%- if load_relation(raw_table) is none -%}
        {%- set raw_table -%}
            (
                select
                    null::varchar as agency,
                    null::varchar as domain,
                    null::varchar as page,
                    null::varchar as page_title,
                    null::varchar as pageviews,
                    null::varchar as visits,
                    null::varchar as active_visitors,
                    null::varchar as pageviews_per_session,
                    null::varchar as avg_session_duration,
                    null::varchar as bounce_rate,
                    null::varchar as report_agency,
                    null::varchar as taken_at,
                    null::varchar as taken_at_file,
                    null::date as window_start_date,
                    null::date as window_end_date,
                    null::varchar as source_file,
                    null::integer as source_line,
                    null::varchar as file_sha256,
                    null::timestamptz as loaded_at
                where false
            )
        {%- endset -%}
    {%- endif -%}
{%- endif -%}

with

top_pages as (

    select * from {{ raw_table }}

),

-- The rank is the file's order: the report lists its pages by page views,
-- most first. Ratios are kept with every decimal the file has.
final as (

    select
        agency as site_host,
        cast(
            row_number() over (
                partition by agency, window_end_date
                order by source_line
            ) as integer
        ) as page_rank,
        domain as page_domain,
        page,
        page_title,
        cast(pageviews as bigint) as page_views,
        cast(visits as bigint) as visits,
        cast(active_visitors as bigint) as active_visitors,
        cast(pageviews_per_session as double) as pages_per_visit,
        cast(avg_session_duration as double) as time_per_visit_seconds,
        cast(bounce_rate as double) as bounce_rate,
        100 * cast(bounce_rate as double) as bounce_rate_pct,
        taken_at_file = regexp_replace(source_file, '\.csv$', '.json')
            as is_window_from_own_report,
        window_start_date,
        window_end_date,
        cast(taken_at as timestamptz) as taken_at,
        source_file,
        source_line

    from top_pages

)

select * from final
