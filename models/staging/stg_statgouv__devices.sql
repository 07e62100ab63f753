with

audience_lines as (

    select * from {{ source('statgouv', 'audience_lines') }}

),

device_labels as (

    select * from {{ ref('device_labels') }}

),

device_lines as (

    select
        site as site_host,
        cast(date as date) as visit_date,
        libelle as device_label,
        {{ parse_count('visites') }} as visits,
        source_file,
        source_line,
        loaded_at

    from audience_lines
    where ligne = 'appareil'

),

-- A label outside the published list is real data: it is kept, coded
-- "other" and flagged so that it can be found.
final as (

    select
        device_lines.site_host,
        device_lines.visit_date,
        coalesce(device_labels.device, 'other') as device,
        device_lines.device_label,
        device_lines.visits,
        device_labels.device is not null as is_known_label,
        device_lines.source_file,
        device_lines.source_line,
        device_lines.loaded_at

    from device_lines
    left join device_labels
        on device_lines.device_label = device_labels.device_label

)

select * from final
