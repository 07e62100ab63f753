with

device_visits as (

    select * from {{ ref('fct_device_visits_daily') }}

),

-- Each daily line counts once in its ISO week and once in its month.
devices_by_period as (

    select
        site_host,
        publisher,
        'week' as period_type,
        cast(date_trunc('week', visit_date) as date) as period_start_date,
        device,
        visits

    from device_visits

    union all

    select
        site_host,
        publisher,
        'month' as period_type,
        cast(date_trunc('month', visit_date) as date) as period_start_date,
        device,
        visits

    from device_visits

),

device_periods as (

    select
        site_host,
        period_type,
        period_start_date,
        device,
        publisher,
        cast(sum(visits) as bigint) as visits

    from devices_by_period
    group by site_host, period_type, period_start_date, device, publisher

),

-- A share is the device's visits over the visits of all devices of the
-- same site and period: a visits-weighted share, never a mean of the
-- daily shares.
final as (

    select
        site_host,
        period_type,
        period_start_date,
        case period_type
            when 'week' then period_start_date + 6
            else last_day(period_start_date)
        end as period_end_date,
        device,
        publisher,
        visits,
        cast(visits as double)
        / nullif(
            sum(visits) over (
                partition by site_host, period_type, period_start_date
            ),
            0
        ) as visit_share

    from device_periods

)

select * from final
