with

audience_lines as (

    select * from {{ source('statgouv', 'audience_lines') }}

),

page_lines as (

    select * from audience_lines
    where ligne = 'page'

),

final as (

    select
        site as site_host,
        cast(date as date) as visit_date,
        cast(rang as integer) as page_rank,
        libelle as page,
        {{ parse_count('pages_vues') }} as page_views,
        source_file,
        source_line,
        loaded_at

    from page_lines

)

select * from final
