{#- A figure of a site and day within bounds, both included. -#}
{% test column_between(model, column_name, min_value, max_value, rule) %}

{{ config(store_failures=true) }}

with

failures as (

    select
        site_host,
        visit_date,
        '{{ rule }}' as rule,
        {{ column_name }}

    from {{ model }}
    where
        {{ column_name }} < {{ min_value }}
        or {{ column_name }} > {{ max_value }}

)

select * from failures

{% endtest %}
