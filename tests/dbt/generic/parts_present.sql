{#-
    A day with a total has parts (such as device lines). Fails with
    site_host, visit_date, rule, the total, the summed parts (null: there
    are none), the gap (minus the total) and the gap in percent (-100).
-#}
{% test parts_present(
    model,
    parts,
    rule,
    parts_name='parts',
    total_column='visits',
    part_column='visits'
) %}

{{ config(store_failures=true) }}

with

totals as (

    select distinct
        site_host,
        visit_date,
        {{ total_column }} as total

    from {{ model }}
    where {{ total_column }} is not null

),

parted_days as (

    select distinct
        site_host,
        visit_date

    from {{ parts }}

),

failures as (

    select
        totals.site_host,
        totals.visit_date,
        '{{ rule }}' as rule,
        totals.total as {{ total_column }},
        cast(null as bigint) as {{ parts_name }}_{{ part_column }},
        -totals.total as gap,
        case when totals.total > 0 then -100.00 end as gap_pct

    from totals
    left join parted_days
        on
            totals.site_host = parted_days.site_host
            and totals.visit_date = parted_days.visit_date
    where parted_days.site_host is null
    order by totals.site_host asc, totals.visit_date asc

)

select * from failures

{% endtest %}
