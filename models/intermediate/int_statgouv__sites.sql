with

site_days as (

    select * from {{ ref('stg_statgouv__site_days') }}

),

sites as (

    select * from {{ ref('sites') }}

),

loaded_days as (

    select
        site_host,
        min(visit_date) as first_date,
        max(visit_date) as last_date

    from site_days
    group by site_host

),

-- Sites with data but absent from the registry are kept, without a name;
-- registered sites without data yet are kept, without dates.
final as (

    select
        coalesce(loaded_days.site_host, sites.site_host) as site_host,
        sites.site_name,
        sites.ministry,
        'statgouv' as publisher,
        loaded_days.first_date,
        loaded_days.last_date

    from loaded_days
    full outer join sites
        on loaded_days.site_host = sites.site_host

)

select * from final
