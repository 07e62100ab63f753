{#-
    The parts of a day (such as its page lines) add up to at most a total
    taken from another relation, chosen by totals_where. A day without a
    total row counts a total of zero; a total row whose figure is missing
    cannot be checked.
-#}
{% test parts_at_most_total(
    model,
    totals,
    rule,
    part_column,
    total_column,
    totals_where='true'
) %}

{{ config(store_failures=true) }}

with

parts as (

    select
        site_host,
        visit_date,
        sum({{ part_column }}) as parts_sum

    from {{ model }}
    group by site_host, visit_date

),

totals as (

    select
        site_host,
        visit_date,
        max({{ total_column }}) as total

    from {{ totals }}
    where {{ totals_where }}
    group by site_host, visit_date

),

compared as (

    select
        parts.site_host,
        parts.visit_date,
        parts.parts_sum,
        case
            when totals.site_host is null then 0 else totals.total
        end as total

    from parts
    left join totals
        on
            parts.site_host = totals.site_host
            and parts.visit_date = totals.visit_date

),

failures as (

    select
        site_host,
        visit_date,
        '{{ rule }}' as rule,
        parts_sum as summed_{{ part_column }},
        total as total_{{ total_column }}

    from compared
    where parts_sum > total

)

select * from failures

{% endtest %}
