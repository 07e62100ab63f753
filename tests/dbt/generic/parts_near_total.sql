{#-
    The parts of a day (such as its device lines) add up to the day's total
    within a tolerance, in percent of the total: for figures that are
    estimated apart, such as sessions in Google Analytics 4, whose parts
    and total are counted separately. A day with a total and no part is left
    to parts_present; a day with parts and no total fails. Fails with
    site_host, visit_date, rule, the total, the summed parts, the gap (parts
    minus total) and the gap in percent of the total, the largest first.
-#}
{% test parts_near_total(
    model,
    parts,
    rule,
    tolerance_pct,
    parts_name='parts',
    parts_where='true',
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

parts as (

    select
        site_host,
        visit_date,
        sum({{ part_column }}) as parts_sum

    from {{ parts }}
    where {{ parts_where }}
    group by site_host, visit_date

),

compared as (

    select
        coalesce(totals.site_host, parts.site_host) as site_host,
        coalesce(totals.visit_date, parts.visit_date) as visit_date,
        totals.total,
        parts.parts_sum,
        parts.parts_sum - totals.total as gap,
        round(
            100 * (parts.parts_sum - totals.total) / nullif(totals.total, 0), 2
        ) as gap_pct

    from totals
    full outer join parts
        on
            totals.site_host = parts.site_host
            and totals.visit_date = parts.visit_date

),

failures as (

    select
        site_host,
        visit_date,
        '{{ rule }}' as rule,
        total as {{ total_column }},
        parts_sum as {{ parts_name }}_{{ part_column }},
        gap,
        gap_pct

    from compared
    where
        parts_sum is not null
        and (
            total is null
            or abs(gap) * 100 > {{ tolerance_pct }} * total
        )
    order by abs(gap_pct) desc nulls first, site_host asc, visit_date asc

)

select * from failures

{% endtest %}
