with

audience_lines as (

    select * from {{ source('statgouv', 'audience_lines') }}

),

total_lines as (

    select * from audience_lines
    where ligne = 'total'

),

final as (

    select
        site as site_host,
        cast(date as date) as visit_date,
        {{ parse_count('visites') }} as visits,
        {{ parse_count('visiteurs') }} as visitors,
        {{ parse_count('pages_vues') }} as page_views,
        {{ parse_decimal('pages_par_visite', 10, 2) }} as pages_per_visit,
        {{ parse_decimal('taux_rebond', 5, 1) }} as bounce_rate_pct,
        {{ parse_duration_seconds('temps_par_visite') }}
            as time_per_visit_seconds,
        source_file,
        source_line,
        loaded_at

    from total_lines

)

select * from final
