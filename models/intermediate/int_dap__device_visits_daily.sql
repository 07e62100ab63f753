with

device_visits as (

    select * from {{ ref('stg_dap__device_visits') }}

),

daily_visits as (

    select * from {{ ref('stg_dap__daily_visits') }}

),

-- The share is taken against the day's visits of users.csv, not against
-- the sum of the devices, which is off by a little (see the tests of
-- fct_site_visits_daily).
final as (

    select
        device_visits.site_host,
        device_visits.visit_date,
        'dap' as publisher,
        device_visits.device,
        device_visits.device_label,
        device_visits.visits,
        cast(device_visits.visits as double)
        / nullif(daily_visits.visits, 0) as visit_share,
        device_visits.is_known_label,
        -- The share also depends on users.csv: a new copy of either file
        -- rebuilds the row.
        greatest(device_visits.loaded_at, daily_visits.loaded_at) as loaded_at

    from device_visits
    left join daily_visits
        on
            device_visits.site_host = daily_visits.site_host
            and device_visits.visit_date = daily_visits.visit_date

)

select * from final
