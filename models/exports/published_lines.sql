-- Every line of every published file, as the text written: the fields of
-- the layout in its order, empty strings for empty fields, decimal commas,
-- durations as hh:mm:ss, and text that a spreadsheet would run as a formula
-- behind a single quote. `line_number` orders the lines inside a file.


{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ delete_rebuilt_site_days() }}"
    )
}}

-- depends_on: {{ ref('stg_statgouv__site_days') }}
-- depends_on: {{ ref('stg_dap__daily_visits') }}
-- depends_on: {{ ref('stg_dap__device_visits') }}

with

site_visits as (

    select * from {{ ref('fct_site_visits_daily') }}
    where {{ is_rebuilt() }}

),

top_pages as (

    select * from {{ ref('fct_top_pages_daily') }}
    where {{ is_rebuilt() }}

),

top_referrers as (

    select * from {{ ref('fct_top_referrers_daily') }}
    where {{ is_rebuilt() }}

),

source_visits as (

    select * from {{ ref('fct_source_visits_daily') }}
    where {{ is_rebuilt() }}

),

device_visits as (

    select * from {{ ref('fct_device_visits_daily') }}
    where {{ is_rebuilt() }}

),

device_labels as (

    select * from {{ ref('device_labels') }}

),

total_lines as (

    select
        site_host,
        visit_date,
        1 as kind_order,
        0 as rank_in_kind,
        'total' as ligne,
        '' as rang,
        '' as libelle,
        {{ format_count('visits') }} as visites,
        {{ format_count('visitors') }} as visiteurs,
        {{ format_count('page_views') }} as pages_vues,
        {{ format_decimal_comma('pages_per_visit', 2) }} as pages_par_visite,
        {{ format_decimal_comma('bounce_rate_pct', 1) }} as taux_rebond,
        {{ format_duration('time_per_visit_seconds') }} as temps_par_visite,
        loaded_at

    from site_visits
    where has_traffic

),

page_lines as (

    select
        site_host,
        visit_date,
        2 as kind_order,
        page_rank as rank_in_kind,
        'page' as ligne,
        cast(page_rank as varchar) as rang,
        {{ neutralise_formula('page') }} as libelle,
        '' as visites,
        '' as visiteurs,
        {{ format_count('page_views') }} as pages_vues,
        '' as pages_par_visite,
        '' as taux_rebond,
        '' as temps_par_visite,
        loaded_at

    from top_pages

),

referrer_lines as (

    select
        site_host,
        visit_date,
        3 as kind_order,
        referrer_rank as rank_in_kind,
        'referent' as ligne,
        cast(referrer_rank as varchar) as rang,
        {{ neutralise_formula('referrer_url') }} as libelle,
        {{ format_count('visits') }} as visites,
        '' as visiteurs,
        '' as pages_vues,
        '' as pages_par_visite,
        '' as taux_rebond,
        '' as temps_par_visite,
        loaded_at

    from top_referrers

),

-- Sources and devices: most visits first, then by label.
source_lines as (

    select
        site_host,
        visit_date,
        4 as kind_order,
        row_number() over (
            partition by site_host, visit_date
            order by visits desc, source_label asc
        ) as rank_in_kind,
        'source' as ligne,
        '' as rang,
        {{ neutralise_formula('source_label') }} as libelle,
        {{ format_count('visits') }} as visites,
        '' as visiteurs,
        '' as pages_vues,
        '' as pages_par_visite,
        '' as taux_rebond,
        '' as temps_par_visite,
        loaded_at

    from source_visits

),

-- A device line per label of the layout. The French lines are written as
-- they came; the US device categories are summed per code under the
-- layout's label (`smart tv` and `(other)` make one `Autres` line).
published_devices as (

    select
        site_host,
        visit_date,
        device_label,
        visits,
        loaded_at

    from device_visits
    where publisher != 'dap'

    union all

    select
        device_visits.site_host,
        device_visits.visit_date,
        coalesce(device_labels.device_label, device_visits.device)
            as device_label,
        sum(device_visits.visits) as visits,
        max(device_visits.loaded_at) as loaded_at

    from device_visits
    left join device_labels
        on device_visits.device = device_labels.device
    where device_visits.publisher = 'dap'
    group by all

),

device_lines as (

    select
        site_host,
        visit_date,
        5 as kind_order,
        row_number() over (
            partition by site_host, visit_date
            order by visits desc, device_label asc
        ) as rank_in_kind,
        'appareil' as ligne,
        '' as rang,
        {{ neutralise_formula('device_label') }} as libelle,
        {{ format_count('visits') }} as visites,
        '' as visiteurs,
        '' as pages_vues,
        '' as pages_par_visite,
        '' as taux_rebond,
        '' as temps_par_visite,
        loaded_at

    from published_devices

),

all_lines as (

    select * from total_lines
    union all
    select * from page_lines
    union all
    select * from referrer_lines
    union all
    select * from source_lines
    union all
    select * from device_lines

),

-- Where each kind of line starts in its file: after the total line, the
-- pages, the referrers and the sources before it. Ranks place the lines
-- inside their kind, so no sort of the whole table is needed. A gap in the
-- ranks leaves a gap in the numbers; a repeated rank repeats a number, and
-- the primary keys of the top lists, tested as errors, stop publication.
kind_sizes as (

    select
        site_host,
        visit_date,
        max(rank_in_kind) filter (where kind_order = 1) as total_size,
        coalesce(max(rank_in_kind) filter (where kind_order = 2), 0)
            as page_size,
        coalesce(max(rank_in_kind) filter (where kind_order = 3), 0)
            as referrer_size,
        coalesce(max(rank_in_kind) filter (where kind_order = 4), 0)
            as source_size

    from all_lines
    group by site_host, visit_date

),

final as (

    select
        all_lines.site_host,
        all_lines.visit_date,
        cast(
            case
                when all_lines.kind_order = 1 then 1
                else
                    cast(kind_sizes.total_size is not null as integer)
                    + case
                        when all_lines.kind_order > 2
                            then kind_sizes.page_size
                        else 0
                    end
                    + case
                        when all_lines.kind_order > 3
                            then kind_sizes.referrer_size
                        else 0
                    end
                    + case
                        when all_lines.kind_order > 4
                            then kind_sizes.source_size
                        else 0
                    end
                    + all_lines.rank_in_kind
            end as integer
        ) as line_number,
        strftime(all_lines.visit_date, '%Y-%m-%d') as date,
        all_lines.site_host as site,
        all_lines.ligne,
        all_lines.rang,
        all_lines.libelle,
        all_lines.visites,
        all_lines.visiteurs,
        all_lines.pages_vues,
        all_lines.pages_par_visite,
        all_lines.taux_rebond,
        all_lines.temps_par_visite,
        all_lines.loaded_at

    from all_lines
    inner join kind_sizes
        on
            all_lines.site_host = kind_sizes.site_host
            and all_lines.visit_date = kind_sizes.visit_date

)

select * from final
