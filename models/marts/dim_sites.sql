with

statgouv as (

    select * from {{ ref('int_statgouv__sites') }}

),

dap as (

    select * from {{ ref('int_dap__sites') }}

),

-- The union point of the publishers. Each comes in through an intermediate
-- model with this mart's columns; another publisher is one more import CTE
-- above and one more `union all by name select * from ...` here.
unioned as (

    select * from statgouv
    union all by name
    select * from dap

),

final as (

    select
        site_host,
        site_name,
        ministry,
        publisher,
        first_date,
        last_date

    from unioned

)

select * from final
