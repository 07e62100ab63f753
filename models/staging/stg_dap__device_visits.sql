{#-
    The dap loader creates its raw table on its first run; until then this
    model reads an empty table of the same columns, so that a warehouse of
    French data alone still builds.
-#}
{%- set raw_table = source('dap', 'device_visits') -%}
{%- if execute and raw_table.schema == 'raw' -%}
    {%- if load_relation(raw_table) is none -%}
        {%- set raw_table -%}
            (
                select
                    null::varchar as agency,
                    null::varchar as date,
                    null::varchar as device,
                    null::varchar as visits,
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

device_visits as (

    select * from {{ raw_table }}

),

-- Google Analytics' device categories coded as the French ones: `mobile` is
-- a smartphone; `smart tv` and `(other)` are other, each keeping its own
-- label. A label outside this list is real data: kept, coded other and
-- flagged.
final as (

    select
        agency as site_host,
        cast(date as date) as visit_date,
        case device
            when 'desktop' then 'desktop'
            when 'mobile' then 'smartphone'
            when 'tablet' then 'tablet'
            else 'other'
        end as device,
        device as device_label,
        cast(visits as bigint) as visits,
        device in (
            'desktop', 'mobile', 'tablet', 'smart tv', '(other)'
        ) as is_known_label,
        source_file,
        source_line,
        loaded_at

    from device_visits

)

select * from final
