with

statgouv as (

    select * from {{ ref('int_statgouv__top_pages_daily') }}

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
        page_rank,
        page,
        page_views

    from unioned

)

select * from final
