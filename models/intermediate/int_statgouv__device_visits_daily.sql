with

devices as (

    select * from {{ ref('stg_statgouv__devices') }}

),

totals as (

    select * from {{ ref('stg_statgouv__totals') }}

),

final as (

    select
        devices.site_host,
        devices.visit_date,
        'statgouv' as publisher,
        devices.device,
        devices.device_label,
        devices.visits,
        cast(devices.visits as double)
        / nullif(totals.visits, 0) as visit_share,
        devices.is_known_label,
        devices.loaded_at

    from devices
    left join totals
        on
            devices.site_host = totals.site_host
            and devices.visit_date = totals.visit_date
            and devices.loaded_at = totals.loaded_at

)

select * from final
