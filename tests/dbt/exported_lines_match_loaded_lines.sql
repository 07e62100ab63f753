-- Every line loaded for a site and day is written to its file, and nothing
-- else: a day's exported line count equals the count the loader recorded.

{{ config(store_failures=true) }}

with

site_days as (

    select * from {{ ref('stg_statgouv__site_days') }}

),

published_files as (

    select * from {{ ref('published_files') }}

),

failures as (

    select
        site_days.site_host,
        site_days.visit_date,
        'exported_lines_match_loaded_lines' as rule,
        site_days.line_count as loaded_line_count,
        published_files.line_count as exported_line_count

    from site_days
    left join published_files
        on
            site_days.site_host = published_files.site_host
            and site_days.visit_date = published_files.visit_date
    where
        published_files.line_count is distinct from site_days.line_count
        or published_files.has_traffic != site_days.has_traffic

)

select * from failures
