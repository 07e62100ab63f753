{#-
    A roll-up keeps every daily figure once: the column, summed per group,
    equals the daily mart's column summed per the same group. A group on
    one side only fails too.
-#}
{% test sum_matches_daily(model, column_name, daily, daily_column, group_by) %}

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
