{#-
    The loader's record of a site and day (its line count and the checksum
    of its file) agrees with the lines it landed: the lines of each day are
    all those of that day's file, and only those. When a daily run tests
    only what it loaded (macros/test_scope.sql), both sides are cut alike:
    a site-day's lines share its load time.
-#}
{% test line_count_matches_lines(model, lines) %}

{{ config(store_failures=true) }}

with

site_days as (

    select * from {{ model }}

),

landed as (

    select
        site as site_host,
        cast(date as date) as visit_date,
        file_sha256,
        count(*) as landed_line_count

    from {{ lines }}
    where {{ loaded_since_tested('loaded_at') }}
    group by site, date, file_sha256

),

compared as (

    select
        coalesce(site_days.site_host, landed.site_host) as site_host,
        coalesce(site_days.visit_date, landed.visit_date) as visit_date,
        coalesce(site_days.line_count, 0) as line_count,
        coalesce(landed.landed_line_count, 0) as landed_line_count,
        landed.file_sha256 as landed_file_sha256

    from site_days
    full outer join landed
        on
            site_days.site_host = landed.site_host
            and site_days.visit_date = landed.visit_date
            and site_days.file_sha256 = landed.file_sha256

),

failures as (

    select
        site_host,
        visit_date,
        'line_count_matches_lines' as rule,
        line_count,
        landed_line_count,
        landed_file_sha256

    from compared
    where line_count != landed_line_count

)

select * from failures

{% endtest %}
