with

audience_lines as (

    select * from {{ source('statgouv', 'audience_lines') }}

),

source_labels as (

    select * from {{ ref('source_labels') }}

),

source_lines as (

    select
        site as site_host,
        cast(date as date) as visit_date,
        libelle as source_label,
        {{ parse_count('visites') }} as visits,
        source_file,
        source_line,
        loaded_at

    from audience_lines
    where ligne = 'source'

),

-- A label outside the published list is real data: it is kept, coded
-- "other" and flagged so that it can be found.
final as (

    select
        source_lines.site_host,
        source_lines.visit_date,
        coalesce(source_labels.source, 'other') as source,
        source_lines.source_label,
        source_lines.visits,
        source_labels.source is not null as is_known_label,
        source_lines.source_file,
        source_lines.source_line,
        source_lines.loaded_at

    from source_lines
    left join source_labels
        on source_lines.source_label = source_labels.source_label

)

select * from final
