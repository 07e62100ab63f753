{#-
    The dap loader creates its raw table on its first run; until then this
    model reads an empty table of the same columns, so that a warehouse of
    French data alone still builds.
-#}
{%- set raw_table = source('dap', 'top_sources') -%}
{%- if execute and raw_table.schema == 'raw' -%}
    {%- if load_relation(raw_table) is none -%}
        {%- set raw_table -%}
            (
                select
                    null::varchar as agency,
                    null::varchar as source,
                    null::varchar as session_default_channel_group,
                    null::varchar as visits,
                    null::varchar as pageviews,
                    null::varchar as users,
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

top_sources as (

    select * from {{ raw_table }}

),

-- Google Analytics' default channel groups coded as the French sources:
-- unpaid search, social (video sites included) and referral as such; every
-- paid, display or message channel a campaign; Unassigned, (other) and the
-- shopping listings other. A label outside the list is kept, coded other
-- and flagged.
coded as (

    select
        *,
        case session_default_channel_group
            when 'Direct' then 'direct'
            when 'Organic Search' then 'search'
            when 'Referral' then 'referral'
            when 'Organic Social' then 'social'
            when 'Organic Video' then 'social'
            when 'Email' then 'campaign'
            when 'Paid Search' then 'campaign'
            when 'Paid Social' then 'campaign'
            when 'Paid Video' then 'campaign'
            when 'Paid Shopping' then 'campaign'
            when 'Paid Other' then 'campaign'
            when 'Display' then 'campaign'
            when 'Affiliates' then 'campaign'
            when 'Cross-network' then 'campaign'
            when 'Audio' then 'campaign'
            when 'SMS' then 'campaign'
            when 'Mobile Push Notifications' then 'campaign'
            else 'other'
        end as source_code,
        session_default_channel_group in (
            'Direct', 'Organic Search', 'Referral', 'Organic Social',
            'Organic Video', 'Email', 'Paid Search', 'Paid Social',
            'Paid Video', 'Paid Shopping', 'Paid Other', 'Display',
            'Affiliates', 'Cross-network', 'Audio', 'SMS',
            'Mobile Push Notifications', 'Organic Shopping', 'Unassigned',
            '(other)'
        ) as is_known_label

    from top_sources

),

-- The rank is the file's order: the report lists its sources by page
-- views, most first. Ratios are kept with every decimal the file has.
final as (

    select
        agency as site_host,
        cast(
            row_number() over (
                partition by agency, window_end_date
                order by source_line
            ) as integer
        ) as source_rank,
        source_code as source,
        session_default_channel_group as channel_label,
        source as session_source,
        cast(visits as bigint) as visits,
        cast(pageviews as bigint) as page_views,
        cast(users as bigint) as visitors,
        cast(pageviews_per_session as double) as pages_per_visit,
        cast(avg_session_duration as double) as time_per_visit_seconds,
        cast(bounce_rate as double) as bounce_rate,
        100 * cast(bounce_rate as double) as bounce_rate_pct,
        is_known_label,
        taken_at_file = regexp_replace(source_file, '\.csv$', '.json')
            as is_window_from_own_report,
        window_start_date,
        window_end_date,
        cast(taken_at as timestamptz) as taken_at,
        source_file,
        source_line

    from coded

)

select * from final
