{#-
    Models go to the schema named in their folder's config (staging, marts,
    exports, ...) as it stands, not prefixed with the target's schema: these
    names are the contract with analysts.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
