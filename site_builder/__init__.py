"""The static catalog: the registry's cards rendered into a site that works from any static host
and from file://, with search and facets, one page per card, JSON for machines.

    from site_builder.build import build_site
    build_site("cards/", "site/")      # a second call rebuilds only what changed

Importing this package is cheap: jinja2, markdown-it-py, nh3 and pygments load on first use.
"""
