{#-
    Write a typed value as the canonical text of the published layout. An
    empty field is the empty string, never null, so that a row of the
    exports is exactly the text written.
-#}

{% macro format_count(column_name) -%}
    coalesce(cast({{ column_name }} as varchar), '')
{%- endmacro %}


{#- A decimal with a decimal comma; the column's scale sets the places. -#}
{% macro format_decimal_comma(column_name, scale) -%}
    coalesce(
        replace(
            cast(
                cast({{ column_name }} as decimal(18, {{ scale }})) as varchar
            ),
            '.',
            ','
        ),
        ''
    )
{%- endmacro %}


{#- Seconds as hh:mm:ss, the hours on two digits at least. -#}
{% macro format_duration(column_name) -%}
    coalesce(
        format(
            '{:02d}:{:02d}:{:02d}',
            {{ column_name }} // 3600,
            {{ column_name }} % 3600 // 60,
            {{ column_name }} % 60
        ),
        ''
    )
{%- endmacro %}


{#-
    A spreadsheet takes text that starts with =, +, -, @, a tab or a carriage
    return as a formula: a single quote in front keeps it text. A label that
    is a plain number (-12, +3,5) is left alone: a spreadsheet reads it as
    that number and runs nothing.
-#}
{% macro neutralise_formula(column_name) -%}
    case
        when
            regexp_matches({{ column_name }}, '^[=+\-@\t\r]')
            and not regexp_full_match(
                {{ column_name }}, '[+\-]?[0-9]+([.,][0-9]+)?'
            )
            then '''' || {{ column_name }}
        else coalesce({{ column_name }}, '')
    end
{%- endmacro %}
