{#-
    The dap loader creates its raw table on its first run; until then this
    model reads an empty table of the same columns, so that a warehouse of
    French data alone still builds.
-#}
{%- set raw_table = source('dap', 'daily_visits') -%}
{%- if execute and raw_table.schema == 'raw' -%}
    {%- if load_relation(raw_table) is none -%}
        {%- set raw_table -%}
            (
                select
                    null::varchar as agency,
                    null::varchar as date,
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

daily_visits as (

    select * from {{ raw_table }}

),

final as (

    select
        agency as site_host,
        cast(date as date) as visit_date,
        cast(visits as bigint) as visits,
        source_file,
        source_line,
        file_sha256,
        loaded_at

    from daily_visits

)

select * from final
