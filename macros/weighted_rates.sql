{#-
    The rule of every roll-up: bounce rate, pages per visit and time per
    visit are weighted by visits, never averaged. A rate's weight on a row
    is the row's visits when the row has the rate (`visits_with_<rate>`);
    a row without it weighs nothing. The weights stay in the roll-ups, so
    that their rows combine again the same way.
-#}
{% macro weighted_rates() -%}
    {{ return([
        {'rate': 'pages_per_visit', 'weight': 'visits_with_pages_per_visit',
         'weighted': 'weighted_pages_per_visit'},
        {'rate': 'bounce_rate_pct', 'weight': 'visits_with_bounce_rate',
         'weighted': 'weighted_bounce_rate'},
        {'rate': 'time_per_visit_seconds',
         'weight': 'visits_with_time_per_visit',
         'weighted': 'weighted_time_per_visit'},
    ]) }}
{%- endmacro %}


{#- On a daily row: each rate's weight, and the rate times its weight. -#}
{% macro weigh_daily_rates(relation) -%}
    {%- for r in weighted_rates() %}
        case
            when {{ relation }}.{{ r.rate }} is not null
                then {{ relation }}.visits
        end as {{ r.weight }},
        cast({{ relation }}.{{ r.rate }} as double)
        * {{ relation }}.visits as {{ r.weighted }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}


{#-
    In a group of rows that hold rates and their weights: the group's rates
    and weights.
-#}
{% macro combine_rates(relation) -%}
    {%- for r in weighted_rates() %}
        sum({{ relation }}.{{ r.rate }} * {{ relation }}.{{ r.weight }})
        / nullif(sum({{ relation }}.{{ r.weight }}), 0) as {{ r.rate }},
        cast(sum({{ relation }}.{{ r.weight }}) as bigint)
            as {{ r.weight }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}


{#-
    The change of visits in percent from the period `previous` to the
    period `current` (two relations of one roll-up), only when neither has
    a day missing (`missing_days` = 0): with one, it would measure the gap
    rather than the audience.
-#}
{% macro visits_change_pct(current, previous, missing_days) -%}
    case
        when
            {{ current }}.{{ missing_days }} = 0
            and {{ previous }}.{{ missing_days }} = 0
            then
                100.0 * ({{ current }}.visits - {{ previous }}.visits)
                / nullif({{ previous }}.visits, 0)
    end
{%- endmacro %}
