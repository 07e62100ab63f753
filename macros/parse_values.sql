{#-
    Turn the published text of a value into a typed value. The loader has
    already checked every value against the patterns of ingest/layout.py,
    so these macros parse and never validate.
-#}

{% macro missing_value_tokens() -%}
    {{ return(['-', 'N/A', 'n.d.', '']) }}
{%- endmacro %}


{#- Space, no-break space (U+00A0) and narrow no-break space (U+202F). -#}
{% macro thousands_separators() -%}
    {{ return(' \\x{00A0}\\x{202F}') }}
{%- endmacro %}


{% macro missing_to_null(column_name) -%}
    {%- set tokens = missing_value_tokens() -%}
    case
        when {{ column_name }} in ('{{ tokens | join("', '") }}') then null
        else {{ column_name }}
    end
{%- endmacro %}


{% macro parse_count(column_name) -%}
    cast(
        regexp_replace(
            {{ missing_to_null(column_name) }},
            '[{{ thousands_separators() }}]',
            '',
            'g'
        ) as bigint
    )
{%- endmacro %}


{#- A decimal comma or point, and an optional percent sign. -#}
{% macro parse_decimal(column_name, precision, scale) -%}
    cast(
        replace(
            regexp_replace(
                {{ missing_to_null(column_name) }},
                '[{{ thousands_separators() }}%]',
                '',
                'g'
            ),
            ',',
            '.'
        ) as decimal({{ precision }}, {{ scale }})
    )
{%- endmacro %}


{#- hh:mm:ss, where the hours may pass 24, or whole seconds. -#}
{% macro parse_duration_seconds(column_name) -%}
    case
        when {{ column_name }} like '%:%:%'
            then
                cast(split_part({{ column_name }}, ':', 1) as integer) * 3600
                + cast(split_part({{ column_name }}, ':', 2) as integer) * 60
                + cast(split_part({{ column_name }}, ':', 3) as integer)
        else cast({{ missing_to_null(column_name) }} as integer)
    end
{%- endmacro %}
