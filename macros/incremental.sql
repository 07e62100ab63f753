{#-
    Incremental marts rebuild the site-days that changed since their last
    build, whole: a site-day is changed when its file was loaded after the
    newest `loaded_at` the model holds (a corrected file is loaded again,
    so it comes back this way), or when its day falls in the look-back, the
    last `lookback_days` days (var, default 2) before the newest day the
    model holds. The bounds are read once and written into the SQL as
    literals, so that DuckDB can skip old row groups of the raw tables.
-#}

{% macro rebuild_bounds() -%}
    {%- if execute and is_incremental() -%}
        {%- set bounds = run_query(
            "select cast(max(loaded_at) as varchar), cast(max(visit_date) - "
            ~ var('lookback_days', 2) | int
            ~ " as varchar) from " ~ this
        ) -%}
        {%- set loaded_after = bounds.columns[0].values()[0] -%}
        {%- set day_from = bounds.columns[1].values()[0] -%}
        {{ return({'loaded_after': loaded_after, 'day_from': day_from}) }}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}


{#- A condition on `loaded_at` and `visit_date`: true for rows to rebuild. -#}
{% macro is_rebuilt(loaded_at='loaded_at', visit_date='visit_date') -%}
    {%- set bounds = rebuild_bounds() -%}
    {%- if bounds is none or bounds.loaded_after is none -%}
        true
    {%- else -%}
        (
            {{ loaded_at }} > cast('{{ bounds.loaded_after }}' as timestamptz)
            or {{ visit_date }} >= cast('{{ bounds.day_from }}' as date)
        )
    {%- endif -%}
{%- endmacro %}


{#-
    Every site-day of every publisher, with when it was loaded: what the
    incremental models compare with their own bounds.
-#}
{% macro loaded_site_days() -%}
    select site_host, visit_date, loaded_at
    from {{ ref('stg_statgouv__site_days') }}
    union all
    select site_host, visit_date, loaded_at
    from {{ ref('stg_dap__daily_visits') }}
    union all
    select site_host, visit_date, loaded_at
    from {{ ref('stg_dap__device_visits') }}
{%- endmacro %}


{#-
    Pre-hook of an incremental model: delete the rows of the site-days about
    to be rebuilt, in the model's transaction. A site-day whose new file has
    fewer lines (or none) keeps none of its old rows.
-#}
{% macro delete_rebuilt_site_days() -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where (site_host, visit_date) in (
            select (site_host, visit_date)
            from ({{ loaded_site_days() }}) as loaded
            where {{ is_rebuilt() }}
        )
    {%- endif -%}
{%- endmacro %}


{#-
    Roll-ups of the daily top lists are incremental by period: a build
    recomputes every period from the first one that holds a day loaded since
    the model's newest `loaded_at`, and keeps the older periods as they are.
    Returns that first day (the start of its ISO week or of its month,
    whichever is earlier), a day after any data when nothing changed, or none
    on a first build or a full refresh.
-#}
{% macro period_rebuild_start(daily) -%}
    {%- if execute and is_incremental() -%}
        {%- set newest = run_query(
            "select cast(max(loaded_at) as varchar) from " ~ this
        ).columns[0].values()[0] -%}
        {%- if newest is none -%}
            {{ return(none) }}
        {%- endif -%}
        {%- set first_day = run_query(
            "select cast(least(date_trunc('week', min(visit_date)),"
            ~ " date_trunc('month', min(visit_date))) as date) from " ~ daily
            ~ " where loaded_at > cast('" ~ newest ~ "' as timestamptz)"
        ).columns[0].values()[0] -%}
        {%- set after_all = '9999-12-31' -%}
        {{ return(after_all if first_day is none else first_day | string) }}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}


{#- Pre-hook of a period roll-up: delete the periods about to be recomputed. -#}
{% macro delete_periods_from(daily) -%}
    {%- set start = period_rebuild_start(daily) -%}
    {%- if start is not none -%}
        delete from {{ this }}
        where period_start_date >= cast('{{ start }}' as date)
    {%- endif -%}
{%- endmacro %}
