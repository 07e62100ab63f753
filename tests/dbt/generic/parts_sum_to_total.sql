{#-
    The parts of a day (such as its source lines) add up to the day's total.
    The model has one row per site and day. A day whose total or one of
    whose parts is missing cannot be checked and is left out; a day with a
    total and no part at all fails.
-#}
{% test parts_sum_to_total(
    model, parts, rule, total_column='visits', part_column='visits'
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
        sum({{ part_column }}) as parts_sum,
        count(*) - count({{ part_column }}) as missing_parts

    from {{ parts }}
    group by site_host, visit_date

),

compared as (

    select
        totals.site_host,
        totals.visit_date,
        totals.total,
        coalesce(parts.parts_sum, 0) as parts_sum,
        coalesce(parts.missing_parts, 0) as missing_parts

    from totals
    left join parts
        on
            totals.site_host = parts.site_host
            and totals.visit_date = parts.visit_date

),

failures as (

    select
        site_host,
        visit_date,
        '{{ rule }}' as rule,
        total as total_{{ total_column }},
        parts_sum as summed_{{ part_column }}

    from compared
    where missing_parts = 0 and parts_sum != total

)

select * from failures

{% endtest %}
