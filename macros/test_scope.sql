{#-
    Which rows dbt's data tests look at. A full build (`statgouv build`, CI)
    tests every row. The daily job passes `tested_since` (when its load
    began) and `tested_from` (the earliest day it loaded): each test then
    looks at the rows that run wrote, so that its cost follows the day's
    data, not the history:
    - in a model with `loaded_at` (staging, daily marts, exports), the rows
      loaded since `tested_since`, whole site-days;
    - in a roll-up, the periods and windows that end on or after
      `tested_from`, the only ones a new day can change;
    - anywhere else (dim_sites, the 30-day reports), every row.
    A test's own `where` still applies on top.
-#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- set scope = test_scope(relation) -%}
    {%- if scope -%}
        {%- set where = '(' ~ where ~ ') and ' ~ scope if where else scope -%}
    {%- endif -%}
    {%- if where -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) as dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}


{% macro test_scope(relation) -%}
    {%- set since = var('tested_since', none) -%}
    {%- set from_day = var('tested_from', none) -%}
    {%- if not execute or (since is none and from_day is none) -%}
        {%- do return(none) -%}
    {%- endif -%}
    {%- set names = adapter.get_columns_in_relation(relation)
        | map(attribute='name') | map('lower') | list -%}
    {%- if since is not none and 'loaded_at' in names -%}
        {%- set bound = "cast('" ~ since ~ "' as timestamptz)" -%}
        {%- do return("loaded_at >= " ~ bound) -%}
    {%- endif -%}
    {%- if from_day is not none -%}
        {%- for column in ['period_end_date', 'window_end_date'] -%}
            {%- if column in names -%}
                {%- set bound = "cast('" ~ from_day ~ "' as date)" -%}
                {%- do return(column ~ " >= " ~ bound) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- do return(none) -%}
{%- endmacro %}
