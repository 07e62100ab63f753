{#-
    Which rows dbt's data tests look at. A full build (`statgouv build`, CI)
    tests every row. The daily job sets `tested_since` (when its load
    began) and `tested_from` (the earliest day it loaded), read by
    `tested_scope` below: each test then
    looks at the rows that run wrote, so that its cost follows the day's
    data, not the history:
    - in a roll-up, the periods and windows that end on or after
      `tested_from`, the only ones a new day can change;
    - in a model with `loaded_at` (staging, daily marts, exports), the rows
      loaded since `tested_since`, whole site-days;
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


{#-
    A setting of the daily job's scope: `tested_since` or `tested_from`, or
    none. They come from the environment (STATGOUV_TESTED_SINCE,
    STATGOUV_TESTED_FROM), read while tests run and never while dbt parses:
    as dbt vars, which change every day, they would make dbt parse the
    whole project again on each build.
-#}
{% macro tested_scope(name) -%}
    {%- if not execute -%}
        {%- do return(none) -%}
    {%- endif -%}
    {%- set value = env_var('STATGOUV_' ~ name | upper, '') -%}
    {%- do return(value if value else none) -%}
{%- endmacro %}


{% macro test_scope(relation) -%}
    {%- set since = tested_scope('tested_since') -%}
    {%- set from_day = tested_scope('tested_from') -%}
    {%- if not execute or (since is none and from_day is none) -%}
        {%- do return(none) -%}
    {%- endif -%}
    {%- set names = tested_columns(relation) -%}
    {#- Periods first: those ending from the first changed day are a tail. -#}
    {%- if from_day is not none -%}
        {%- for column in ['period_end_date', 'window_end_date'] -%}
            {%- if column in names -%}
                {%- set bound = "cast('" ~ from_day ~ "' as date)" -%}
                {%- do return(column ~ " >= " ~ bound) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if since is not none and 'loaded_at' in names -%}
        {%- set bound = "cast('" ~ since ~ "' as timestamptz)" -%}
        {%- do return("loaded_at >= " ~ bound) -%}
    {%- endif -%}
    {%- do return(none) -%}
{%- endmacro %}


{#-
    The columns of a tested relation. Every column of a model or seed is
    declared in its YAML (a test of the suite holds them to the tables), so
    the manifest tells without asking the database, which a daily build of
    some three hundred tests would otherwise do once a test.
-#}
{% macro tested_columns(relation) -%}
    {%- set found = namespace(names=none) -%}
    {%- for node in graph.nodes.values()
        if node.resource_type in ['model', 'seed']
        and (node.alias or node.name) | lower == relation.identifier | lower
        and node.schema | lower == relation.schema | lower -%}
        {%- set found.names = node.columns.keys() | map('lower') | list -%}
    {%- endfor -%}
    {%- if found.names is none -%}
        {%- set found.names = adapter.get_columns_in_relation(relation)
            | map(attribute='name') | map('lower') | list -%}
    {%- endif -%}
    {%- do return(found.names) -%}
{%- endmacro %}


{#-
    For a test that compares a roll-up with its daily mart: when the daily
    run tests only the periods it changed, the days of those periods (a tail
    of the calendar, from the first period's start); otherwise every day.
-#}
{% macro days_of_tested_periods(period_start_column, rolled_up) -%}
    {%- if period_start_column and tested_scope('tested_from') is not none -%}
        visit_date >= (
            select min({{ period_start_column }}) from {{ rolled_up }}
        )
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}


{#- True for the rows loaded since `tested_since`, or every row without it. -#}
{% macro loaded_since_tested(column_name) -%}
    {%- set since = tested_scope('tested_since') -%}
    {%- if since is none -%}
        true
    {%- else -%}
        {{ column_name }} >= cast('{{ since }}' as timestamptz)
    {%- endif -%}
{%- endmacro %}
