"""The built site in a real headless Chromium: language, switcher, search in each language, screenshots."""

from __future__ import annotations

import functools
import json
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote

import pytest
from docs_cdp import Browser, find_chromium

pytestmark = [pytest.mark.browser, pytest.mark.docs]

CHROMIUM = find_chromium()
HTML_LANG = {"en": "en", "zh_CN": "zh-CN", "ko": "ko"}


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep the test output readable
        pass


@pytest.fixture(scope="module")
def site_url(built_site):
    handler = functools.partial(_QuietHandler, directory=str(built_site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    with Browser(CHROMIUM) as b:
        yield b


@pytest.mark.parametrize("language", ["en", "zh_CN", "ko"])
def test_home_page_renders_in_its_language(browser, site_url, artifacts_dir, language):
    browser.goto(f"{site_url}/{language}/index.html")
    assert browser.evaluate("document.documentElement.lang") == HTML_LANG[language]
    heading = browser.evaluate("document.querySelector('article h1').innerText")
    expected = {"en": "Keras callback contract", "zh_CN": "Keras 回调函数契约", "ko": "Keras 콜백 계약"}
    assert heading.startswith(expected[language])
    # furo lays the page out with its stylesheet: the sidebar is visible beside the article
    assert browser.evaluate("getComputedStyle(document.querySelector('.sidebar-drawer')).display") != "none"
    browser.screenshot(artifacts_dir / f"home-{language}.png")
    assert (artifacts_dir / f"home-{language}.png").stat().st_size > 10_000


@pytest.mark.parametrize("target", ["zh_CN", "ko"])
def test_switcher_leads_from_a_callback_page_to_the_same_page(browser, site_url, target):
    browser.goto(f"{site_url}/en/api/earlystopping.html")
    browser.click_and_wait(f".language-switcher a[data-language='{target}']")
    assert browser.evaluate("location.pathname") == f"/{target}/api/earlystopping.html"
    assert browser.evaluate("document.documentElement.lang") == HTML_LANG[target]
    assert "EarlyStopping" in browser.evaluate("document.querySelector('article h1').innerText")
    # and back again
    browser.click_and_wait(".language-switcher a[data-language='en']")
    assert browser.evaluate("location.pathname") == "/en/api/earlystopping.html"


def search(browser, site_url, language: str, query: str) -> list[str]:
    """Run the site's own search page and return the result links once it reports it has finished."""
    browser.goto(f"{site_url}/{language}/search.html?q={quote(query)}")
    browser.wait_for(
        # Sphinx retitles the results "Search Results" (in the page's language) once every result is listed.
        # (The summary line is no signal: Sphinx's Korean catalog leaves "Search finished, …" empty.)
        "(() => typeof Search !== 'undefined' && Search.title"
        " && Search.title.innerText === Documentation.gettext('Search Results'))()",
        timeout=20,
    )
    return browser.evaluate("[...document.querySelectorAll('#search-results ul.search li a')].map(a => a.href)")


@pytest.mark.parametrize(
    ("language", "query"),
    [("en", "EarlyStopping"), ("zh_CN", "EarlyStopping"), ("ko", "EarlyStopping"),
     ("zh_CN", "回调"), ("ko", "콜백")],
)
def test_search_finds_pages_in_the_matching_language(browser, site_url, language, query):
    links = search(browser, site_url, language, query)
    assert links, f"searching {query!r} in {language} found nothing"
    assert all(link.startswith(f"{site_url}/{language}/") for link in links), links
    if query == "EarlyStopping":
        assert any(link.split("?")[0].endswith("/api/earlystopping.html") for link in links), links


def test_korean_query_matches_words_with_particles(browser, site_url):
    """콜백 (callback) finds the glossary, whose Korean text only has 콜백 with particles attached."""
    links = search(browser, site_url, "ko", "콜백")
    assert any("/ko/glossary.html" in link for link in links), links


def test_javascript_and_python_stemmers_agree(browser, site_url):
    import korean_search

    words = ["콜백", "콜백을", "콜백에서는", "호출합니다", "에포크가", "배치의", "EarlyStopping", "이", "길이는"]
    browser.goto(f"{site_url}/ko/search.html")
    script = f"(() => {{ const s = new Stemmer(); return {json.dumps(words)}.map(w => s.stemWord(w)); }})()"
    js = browser.evaluate(script)
    assert js == [korean_search.stem_korean(w) for w in words]


def _pages(links: list[str], site_url: str, language: str) -> set[str]:
    prefix = f"{site_url}/{language}/"
    assert all(link.startswith(prefix) for link in links), links
    return {link[len(prefix):].split("?")[0].split("#")[0] for link in links}


@pytest.mark.parametrize(
    ("language", "synonym", "term"),
    [("ko", "에폭", "에포크"), ("ko", "뱃치", "배치"),
     ("zh_CN", "周期", "轮次"), ("zh_CN", "时期", "轮次"), ("zh_CN", "批量", "批次")],
)
def test_a_glossary_synonym_lists_the_pages_of_its_term(browser, site_url, language, synonym, term):
    """Readers of keras-docs-ko and the seeds write 에폭, of keras-docs-zh 周期 / 批量: they find the term's pages."""
    by_synonym = _pages(search(browser, site_url, language, synonym), site_url, language)
    by_term = _pages(search(browser, site_url, language, term), site_url, language)
    assert by_term, f"searching {term!r} in {language} found nothing"
    assert by_synonym == by_term, f"{synonym!r}: {sorted(by_synonym)}\n{term!r}: {sorted(by_term)}"
    # the epoch and batch pages of the guide and the API are among them
    assert {"guide/callbacks.html", "guide/writing-callbacks.html", "api/callback.html"} <= by_synonym


@pytest.mark.parametrize("language", ["zh_CN", "ko"])
def test_the_english_term_still_finds_the_code_names_of_translated_pages(browser, site_url, language):
    """``epoch`` stays in English in the translations (CSVLogger's first column, ModelCheckpoint's template)."""
    pages = _pages(search(browser, site_url, language, "epoch"), site_url, language)
    assert {"api/csvlogger.html", "api/modelcheckpoint.html"} <= pages, sorted(pages)


# --- reading: Korean line breaks, long code lines, the search summary -----------------------------------------

HANGUL_SPLITS = r"""(() => {
  // Every pair of adjacent Hangul syllables in the article's prose: is the second one on another line?
  const hangul = (c) => c >= "\uAC00" && c <= "\uD7A3";
  const walker = document.createTreeWalker(document.querySelector("article"), NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  const top = (node, i) => {
    range.setStart(node, i);
    range.setEnd(node, i + 1);
    return range.getBoundingClientRect().top;
  };
  const splits = [];
  let pairs = 0;
  for (let node; (node = walker.nextNode());) {
    if (node.parentElement.closest("pre, code")) continue;
    for (let i = 0; i + 1 < node.data.length; i++) {
      if (!hangul(node.data[i]) || !hangul(node.data[i + 1])) continue;
      pairs++;
      if (Math.abs(top(node, i) - top(node, i + 1)) > 2) splits.push(node.data.slice(Math.max(0, i - 3), i + 5));
    }
  }
  return {pairs, splits};
})()"""


@pytest.fixture()
def narrow(browser):
    """A 420-pixel-wide window, where prose wraps every few words; the default size again afterwards."""
    browser.call("Emulation.setDeviceMetricsOverride", session=True, width=420, height=900, deviceScaleFactor=1,
                 mobile=False)
    yield browser
    browser.call("Emulation.clearDeviceMetricsOverride", session=True)


@pytest.mark.parametrize("page", ["guide/testing-callbacks.html", "guide/writing-callbacks.html", "index.html"])
def test_korean_lines_break_between_words_never_inside_one(narrow, site_url, artifacts_dir, page):
    narrow.goto(f"{site_url}/ko/{page}")
    assert narrow.evaluate("getComputedStyle(document.body).wordBreak") == "keep-all"
    found = narrow.evaluate(HANGUL_SPLITS)
    narrow.screenshot(artifacts_dir / f"ko-keep-all-{page.replace('/', '-')}.png")
    assert found["pairs"] > 200  # the page has Korean prose to wrap
    assert found["splits"] == [], f"Korean words broken across lines: {found['splits']}"


def test_the_korean_word_break_check_sees_a_mid_word_break(narrow, site_url, artifacts_dir):
    """Without keep-all Chromium breaks Korean between any two syllables (테스/트); the check above must see it."""
    narrow.goto(f"{site_url}/ko/guide/testing-callbacks.html")
    narrow.evaluate("(() => { const s = document.createElement('style');"
                    " s.textContent = 'html:lang(ko) body { word-break: normal !important; }';"
                    " document.head.append(s); })()")
    found = narrow.evaluate(HANGUL_SPLITS)
    narrow.screenshot(artifacts_dir / "ko-word-break-normal.png")
    assert len(found["splits"]) >= 3, found


CODE_OVERFLOW = """(() => {
  const article = document.querySelector("article").getBoundingClientRect();
  const blocks = [...document.querySelectorAll("article pre")];
  const wide = blocks.filter((pre) => pre.scrollWidth > pre.clientWidth + 1);
  return {
    page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    blocks: blocks.length,
    wide: wide.length,
    unscrollable: wide.filter((pre) => !["auto", "scroll"].includes(getComputedStyle(pre).overflowX)).length,
    past_article: blocks.filter((pre) => pre.getBoundingClientRect().right > article.right + 1).length,
  };
})()"""


@pytest.mark.parametrize("page", ["en/guide/testing-callbacks.html", "ko/guide/testing-callbacks.html",
                                  "en/api/modelcheckpoint.html", "zh_CN/conformance/adapters.html"])
def test_long_code_lines_scroll_inside_their_block(narrow, site_url, page):
    narrow.goto(f"{site_url}/{page}")
    found = narrow.evaluate(CODE_OVERFLOW)
    assert found["blocks"] and found["page"] == 0 and found["past_article"] == 0, found
    assert found["unscrollable"] == 0, found
    if "testing-callbacks" in page:
        assert found["wide"] >= 2, found  # this page has lines longer than 420 pixels: they exist, and scroll


def test_the_code_overflow_check_sees_a_block_that_does_not_scroll(narrow, site_url):
    narrow.goto(f"{site_url}/en/guide/testing-callbacks.html")
    narrow.evaluate("(() => { const s = document.createElement('style');"
                    " s.textContent = 'article pre { overflow: visible !important; }'; document.head.append(s); })()")
    assert narrow.evaluate(CODE_OVERFLOW)["unscrollable"] >= 2


@pytest.mark.parametrize(("language", "summary"), [
    ("en", r"Search finished, found (\d+) pages matching the search query\."),
    ("zh_CN", r"搜索完成，匹配搜索条件的有 (\d+) 个页面。"),
    ("ko", r"검색을 마쳤습니다\. 검색어와 일치하는 페이지를 (\d+)개 찾았습니다\."),
])
def test_search_says_how_many_pages_it_found(browser, site_url, language, summary):
    import re

    links = search(browser, site_url, language, "EarlyStopping")
    status = browser.evaluate("Search.status.innerText")  # the line under the results' title
    match = re.fullmatch(summary, status.strip())
    assert match, status
    assert int(match.group(1)) == len(links) > 1
