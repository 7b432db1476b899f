"""The pages a new user needs, in every language: testing guide, refimpl's scope, the adapter API, hook links."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.docs

LANGUAGES = ("en", "zh_CN", "ko")
HOOKS = ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_train_batch_begin",
         "on_train_batch_end", "on_test_begin", "on_test_end", "on_test_batch_begin", "on_test_batch_end",
         "on_predict_begin", "on_predict_end", "on_predict_batch_begin", "on_predict_batch_end", "on_batch_begin",
         "on_batch_end")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_hook_on_the_callback_page_links_to_its_logs_row(built_site, language):
    api = (built_site / language / "api" / "callback.html").read_text(encoding="utf-8")
    logs = (built_site / language / "contract" / "logs.html").read_text(encoding="utf-8")
    for hook in HOOKS:
        anchor = f"logs-keras3-{hook.replace('_', '-')}"
        entry = api.split(f'id="refimpl.callbacks.Callback.{hook}"', 1)[1].split("</dd>", 1)[0]
        assert f'href="../contract/logs.html#{anchor}"' in entry, (language, hook)
        assert f'id="{anchor}"' in logs, (language, anchor)
        row = logs.split(f'id="{anchor}"', 1)[1].split("</tr>", 1)[0]
        assert f"{hook}(" in re.sub(r"<[^>]+>", "", row), (language, hook)  # the target is that hook's own row


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("page", ["guide/testing-callbacks", "guide/refimpl-scope", "conformance/adapters"])
def test_new_pages_are_in_every_language_and_in_the_navigation(built_site, language, page):
    html = (built_site / language / f"{page}.html").read_text(encoding="utf-8")
    index = (built_site / language / "index.html").read_text(encoding="utf-8")
    assert f'href="{page}.html"' in index
    if language != "en":  # translated: the English headings are gone
        english = {"guide/testing-callbacks": "Asserting on files", "guide/refimpl-scope": "What it leaves out",
                   "conformance/adapters": "Registering it"}[page]
        assert english not in html


def test_the_adapter_page_documents_the_base_class(built_site):
    html = (built_site / "en" / "conformance" / "adapters.html").read_text(encoding="utf-8")
    for member in ("module", "start", "snippet_setup"):
        assert f'id="conformance.adapters.Adapter.{member}"' in html
    assert "conformance.adapters" in html and "entry-points" in html
