{#- Ranks unique per site and day, from 1 to at most max_rank, no gap. -#}
{% test ranks_without_gaps(model, column_name, rule, max_rank=50) %}

{{ config(store_failures=true) }}

with

ranked_days as (

    select
        site_host,
        visit_date,
        count(*) as line_count,
        count(distinct {{ column_name }}) as distinct_ranks,
        min({{ column_name }}) as min_rank,
        max({{ column_name }}) as max_rank

    from {{ model }}
    group by site_host, visit_date

),

failures as (

    select
        site_host,
        visit_date,
        '{{ rule }}' as rule,
        line_count,
        distinct_ranks,
        min_rank,
        max_rank

    from ranked_days
    where
        distinct_ranks != line_count
        or min_rank != 1
        or max_rank != line_count
        or max_rank > {{ max_rank }}

)

select * from failures

{% endtest %}
