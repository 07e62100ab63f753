{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ delete_rebuilt_site_days() }}"
    )
}}

-- Incremental: a run rebuilds the site-days loaded since the last one and
-- those of the look-back (macros/incremental.sql); --full-refresh rebuilds
-- everything, with the same result.
-- depends_on: {{ ref('stg_statgouv__site_days') }}
-- depends_on: {{ ref('stg_dap__daily_visits') }}
-- depends_on: {{ ref('stg_dap__device_visits') }}

with

statgouv as (

    select * from {{ ref('int_statgouv__top_pages_daily') }}
    where {{ is_rebuilt() }}

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
        page_views,
        loaded_at

    from unioned

)

select * from final
