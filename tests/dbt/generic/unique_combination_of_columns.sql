{#- The rows that share their values of the given columns with another. -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

{{ config(store_failures=true) }}

with

duplicated as (

    select
        {{ combination_of_columns | join(',\n        ') }},
        count(*) as row_count

    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}
    having count(*) > 1

)

select * from duplicated

{% endtest %}
