{#- A figure of a site and day at most another figure of the same row. -#}
{% test column_at_most(model, column_name, at_most_column, rule) %}

{{ config(store_failures=true) }}

with

failures as (

    select
        site_host,
        visit_date,
        '{{ rule }}' as rule,
        {{ column_name }},
        {{ at_most_column }}

    from {{ model }}
    where {{ column_name }} > {{ at_most_column }}

)

select * from failures

{% endtest %}
