{#-
    A roll-up keeps every daily figure once: the column, summed per group,
    equals the daily mart's column summed per the same group. A group on
    one side only fails too. When a daily run tests only the periods it
    changed (macros/test_scope.sql), those periods are a tail of the
    calendar, and the daily side is cut at the first of them.
-#}
{% test sum_matches_daily(
    model, column_name, daily, daily_column, group_by, period_start_column=none
) %}

{{ config(store_failures=true) }}

{%- set keys = group_by | join(', ') %}

with

rolled_up as (

    select
        {{ keys }},
        sum({{ column_name }}) as rolled_up_total

    from {{ model }}
    group by {{ keys }}

),

daily as (

    select
        {{ keys }},
        sum({{ daily_column }}) as daily_total

    from {{ daily }}
    where {{ days_of_tested_periods(period_start_column, model) }}
    group by {{ keys }}

),

failures as (

    select
        {{ keys }},
        rolled_up.rolled_up_total,
        daily.daily_total

    from rolled_up
    full outer join daily using ({{ keys }})
    where rolled_up.rolled_up_total is distinct from daily.daily_total

)

select * from failures

{% endtest %}
