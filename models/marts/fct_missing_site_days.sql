-- The days without a file: for each site, every day between the first and
-- the last day loaded for which no file came. A day whose file had a header
-- alone is not missing: it is in fct_site_visits_daily without traffic.

with

site_visits as (

    select * from {{ ref('fct_site_visits_daily') }}

),

site_spans as (

    select
        site_host,
        publisher,
        min(visit_date) as first_date,
        max(visit_date) as last_date

    from site_visits
    group by site_host, publisher

),

calendar as (

    select
        site_spans.site_host,
        site_spans.publisher,
        cast(unnest(generate_series(
            site_spans.first_date, site_spans.last_date, interval 1 day
        )) as date) as visit_date

    from site_spans

),

final as (

    select
        calendar.site_host,
        calendar.visit_date,
        calendar.publisher

    from calendar
    anti join site_visits
        on
            calendar.site_host = site_visits.site_host
            and calendar.visit_date = site_visits.visit_date

)

select * from final
