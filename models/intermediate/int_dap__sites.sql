with

daily_visits as (

    select * from {{ ref('stg_dap__daily_visits') }}

),

device_visits as (

    select * from {{ ref('stg_dap__device_visits') }}

),

top_pages as (

    select * from {{ ref('stg_dap__top_pages_30_days') }}

),

top_sources as (

    select * from {{ ref('stg_dap__top_sources_30_days') }}

),

dap_agencies as (

    select * from {{ ref('dap_agencies') }}

),

-- An agency is a site once any of its reports is loaded; its days are
-- those of its daily reports.
loaded_days as (

    select
        site_host,
        visit_date
    from daily_visits
    union
    select
        site_host,
        visit_date
    from device_visits
    union
    select
        site_host,
        null as visit_date
    from top_pages
    union
    select
        site_host,
        null as visit_date
    from top_sources

),

agencies as (

    select
        site_host,
        min(visit_date) as first_date,
        max(visit_date) as last_date

    from loaded_days
    group by site_host

),

-- The seed names the agencies; it is not a list of sites to expect, so an
-- agency without any report loaded is not a site here.
final as (

    select
        agencies.site_host,
        dap_agencies.agency_name as site_name,
        dap_agencies.ministry,
        'dap' as publisher,
        agencies.first_date,
        agencies.last_date

    from agencies
    left join dap_agencies
        on agencies.site_host = dap_agencies.agency

)

select * from final
