with

audience_lines as (

    select * from {{ source('statgouv', 'audience_lines') }}

),

referrer_lines as (

    select * from audience_lines
    where ligne = 'referent'

),

final as (

    select
        site as site_host,
        cast(date as date) as visit_date,
        cast(rang as integer) as referrer_rank,
        libelle as referrer_url,
        {{ parse_count('visites') }} as visits,
        source_file,
        source_line,
        loaded_at

    from referrer_lines

)

select * from final
