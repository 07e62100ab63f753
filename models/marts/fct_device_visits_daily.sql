with

statgouv as (

    select * from {{ ref('int_statgouv__device_visits_daily') }}

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
        device,
        device_label,
        visits,
        visit_share,
        is_known_label

    from unioned

)

select * from final
