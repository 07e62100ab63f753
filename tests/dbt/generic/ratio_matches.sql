{#-
    A published ratio equals numerator / denominator to its scale decimals:
    it is at most half a unit of its last place away. Compared in exact
    arithmetic, so that either way of rounding a tie passes.
-#}
{% test ratio_matches(
    model, column_name, numerator, denominator, scale, rule
) %}

{{ config(store_failures=true) }}

with

failures as (

    select
        site_host,
        visit_date,
        '{{ rule }}' as rule,
        {{ column_name }},
        {{ numerator }},
        {{ denominator }}

    from {{ model }}
    where
        {{ denominator }} > 0
        and abs({{ column_name }} * {{ denominator }} - {{ numerator }})
        * {{ 2 * 10 ** scale }}
        > {{ denominator }}

)

select * from failures

{% endtest %}
