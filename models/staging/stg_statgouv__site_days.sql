with

site_days as (

    select * from {{ source('statgouv', 'site_days') }}

),

final as (

    select
        site_host,
        visit_date,
        line_count,
        -- A file with a header and no line: no measured traffic that day,
        -- which is not the same as zero visits.
        line_count > 0 as has_traffic,
        source_file,
        file_sha256,
        loaded_at

    from site_days

)

select * from final
