-- One row per published file: a site and a day, with the file's name and
-- how many lines it holds under its header.

{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ delete_rebuilt_site_days() }}"
    )
}}

-- depends_on: {{ ref('stg_statgouv__site_days') }}
-- depends_on: {{ ref('stg_dap__daily_visits') }}
-- depends_on: {{ ref('stg_dap__device_visits') }}

with

site_visits as (

    select * from {{ ref('fct_site_visits_daily') }}
    where {{ is_rebuilt() }}

),

published_lines as (

    select * from {{ ref('published_lines') }}
    where {{ is_rebuilt() }}

),

line_counts as (

    select
        site_host,
        visit_date,
        count(*) as line_count

    from published_lines
    group by site_host, visit_date

),

final as (

    select
        site_visits.site_host,
        site_visits.visit_date,
        site_visits.publisher,
        site_visits.site_host
        || '_'
        || strftime(site_visits.visit_date, '%Y-%m-%d')
        || '.csv' as file_name,
        coalesce(line_counts.line_count, 0) as line_count,
        site_visits.has_traffic,
        site_visits.loaded_at

    from site_visits
    left join line_counts
        on
            site_visits.site_host = line_counts.site_host
            and site_visits.visit_date = line_counts.visit_date

)

select * from final
