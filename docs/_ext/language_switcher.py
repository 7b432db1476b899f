"""A language switcher on every page that leads to the same page in the other languages.

The languages are built side by side into ``_build/html/<code>/``, so the same page in another language is
``../<code>/<pagename>.html`` from the build root. Links are relative, so the site works from any host path
and from ``file://``.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx


# BCP 47 tags for <html lang>: Sphinx codes use an underscore (zh_CN), HTML wants a hyphen (zh-CN).
def bcp47(code: str) -> str:
    return code.replace("_", "-")


def _page_links(app: Sphinx, pagename: str) -> list[dict[str, Any]]:
    current = app.config.language or "en"
    up_to_site_root = "../" * (pagename.count("/") + 1)
    suffix = app.builder.out_suffix if hasattr(app.builder, "out_suffix") else ".html"
    return [
        {
            "code": code,
            "tag": bcp47(code),
            "name": name,
            "url": f"{up_to_site_root}{code}/{pagename}{suffix}",
            "current": code == current,
        }
        for code, name in app.config.site_languages.items()
    ]


def _add_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    if app.builder.format != "html":
        return
    links = _page_links(app, pagename)
    context["language_links"] = links
    # furo writes <html lang="{{ language }}">; give it a valid BCP 47 tag.
    context["language"] = bcp47(app.config.language or "en")
    alternates = "".join(
        f'<link rel="alternate" hreflang="{link["tag"]}" href="{link["url"]}" />\n'
        for link in links
        if not link["current"]
    )
    context["metatags"] = context.get("metatags", "") + alternates


def _check_config(app: Sphinx, config: Any) -> None:
    language = config.language or "en"
    if language not in config.site_languages:
        known = ", ".join(config.site_languages)
        raise ValueError(f"language={language!r} is not one of the site's languages: {known}")
    if language in config.site_titles:
        config.html_title = config.site_titles[language]


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("site_languages", {"en": "English"}, "html", types=(dict,))
    app.add_config_value("site_titles", {}, "html", types=(dict,))
    app.connect("config-inited", _check_config)
    app.connect("html-page-context", _add_context)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
