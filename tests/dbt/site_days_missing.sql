-- A warning for each day a site has no file between its first and last
-- day: the figures of that day are missing, not zero.

{{ config(severity='warn', store_failures=true) }}

with

missing as (

    select * from {{ ref('fct_missing_site_days') }}

),

failures as (

    select
        site_host,
        visit_date,
        'site_day_missing' as rule

    from missing

)

select * from failures
