with

statgouv as (

    select * from {{ ref('int_statgouv__site_visits_daily') }}

),

-- The union point of the publishers. Each comes in through an intermediate
-- model with this mart's columns; another publisher is one more import CTE
-- above and one more `union all by name select * from ...` here.
unioned as (

    select * from statgouv

),

final as (

    select
        site_host,
        visit_date,
        publisher,
        visits,
        visitors,
        page_views,
        pages_per_visit,
        bounce_rate_pct,
        time_per_visit_seconds,
        has_traffic

    from unioned

)

select * from final
