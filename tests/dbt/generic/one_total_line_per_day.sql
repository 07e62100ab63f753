{#-
    Exactly one total line for each day with traffic, none for a day
    without. The model has one row per site and day, with has_traffic.
-#}
{% test one_total_line_per_day(model, total_lines) %}

{{ config(store_failures=true) }}

with

site_days as (

    select distinct
        site_host,
        visit_date,
        has_traffic

    from {{ model }}

),

total_lines as (

    select * from {{ total_lines }}

),

counted as (

    select
        site_days.site_host,
        site_days.visit_date,
        site_days.has_traffic,
        count(total_lines.site_host) as total_line_count

    from site_days
    left join total_lines
        on
            site_days.site_host = total_lines.site_host
            and site_days.visit_date = total_lines.visit_date
    group by
        site_days.site_host,
        site_days.visit_date,
        site_days.has_traffic

),

failures as (

    select
        site_host,
        visit_date,
        'one_total_line_per_day' as rule,
        has_traffic,
        total_line_count

    from counted
    where total_line_count != case when has_traffic then 1 else 0 end

)

select * from failures

{% endtest %}
