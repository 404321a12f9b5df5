"""The page cache's stores: entries filed under the versions read before the page's data, so a
write (a new version) makes every earlier entry unreachable, whatever the interleaving; global
versions for reference data; expiry. The memory store always, Redis when ``REDIS_URL`` is set."""

from __future__ import annotations

import os

import pytest

from core import pagecache


@pytest.fixture(params=["memory", "redis"])
def cache(request):
    if request.param == "memory":
        store = pagecache.MemoryPageCache(ttl=60, prefix="pc:test:", release="r1")
    else:
        url = os.environ.get("REDIS_URL")
        if not url:
            pytest.skip("REDIS_URL not set")
        store = pagecache.RedisPageCache(url, ttl=60, prefix="pc:test:", release="r1")
    store.clear()  # a fresh random prefix
    return store


def _key(cache, person_id: int, lang: str = "it", day: str = "2026-11-23") -> str:
    return cache.entry_key("position.index", person_id, lang, day)


def test_miss_store_hit(cache):
    html, versions = cache.lookup(_key(cache, 1), 1)
    assert html is None and versions == ("0", "0")
    cache.store(_key(cache, 1), versions, "<p>uno</p>")
    assert cache.lookup(_key(cache, 1), 1) == ("<p>uno</p>", ("0", "0"))


def test_entries_are_per_person_language_and_day(cache):
    _html, versions = cache.lookup(_key(cache, 1), 1)
    cache.store(_key(cache, 1), versions, "it")
    assert cache.lookup(_key(cache, 2), 2)[0] is None
    assert cache.lookup(_key(cache, 1, lang="de"), 1)[0] is None
    assert cache.lookup(_key(cache, 1, day="2026-11-24"), 1)[0] is None


def test_a_write_about_one_person_leaves_the_others_cached(cache):
    for person_id in (1, 2):
        _html, versions = cache.lookup(_key(cache, person_id), person_id)
        cache.store(_key(cache, person_id), versions, f"page {person_id}")
    cache.bump([1], everyone=False)
    html, versions = cache.lookup(_key(cache, 1), 1)
    assert html is None and versions[0] != "0"
    assert cache.lookup(_key(cache, 2), 2)[0] == "page 2"


def test_a_page_rendered_from_data_read_before_a_write_is_never_served_after_it(cache):
    _html, versions = cache.lookup(_key(cache, 1), 1)  # request A reads versions, then data
    cache.bump([1], everyone=False)                      # a write commits meanwhile
    cache.store(_key(cache, 1), versions, "stale")       # A stores what it rendered
    html, fresh = cache.lookup(_key(cache, 1), 1)
    assert html is None and fresh != versions
    cache.store(_key(cache, 1), fresh, "fresh")
    assert cache.lookup(_key(cache, 1), 1)[0] == "fresh"


def test_versions_are_never_reused(cache):
    seen = set()
    for _ in range(20):
        cache.bump([7], everyone=False)
        seen.add(cache.lookup(_key(cache, 7), 7)[1][0])
    assert len(seen) == 20


def test_reference_data_changes_invalidate_everyone(cache):
    for person_id in (1, 2):
        _html, versions = cache.lookup(_key(cache, person_id), person_id)
        cache.store(_key(cache, person_id), versions, "x")
    cache.bump([], everyone=True)
    assert cache.lookup(_key(cache, 1), 1)[0] is None
    assert cache.lookup(_key(cache, 2), 2)[0] is None


def test_another_release_of_the_templates_does_not_see_the_entries(cache):
    _html, versions = cache.lookup(_key(cache, 1), 1)
    cache.store(_key(cache, 1), versions, "old templates")
    cache.release = "r2"
    cache.set_prefix(cache.prefix)
    assert cache.lookup(_key(cache, 1), 1)[0] is None


def test_memory_entries_expire(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(pagecache.time, "monotonic", lambda: now[0])
    cache = pagecache.MemoryPageCache(ttl=10, prefix="pc:", release="r")
    _html, versions = cache.lookup("k", 1)
    cache.store("k", versions, "page")
    now[0] += 9
    assert cache.lookup("k", 1)[0] == "page"
    now[0] += 2
    assert cache.lookup("k", 1)[0] is None


def test_memory_store_is_bounded():
    cache = pagecache.MemoryPageCache(ttl=60, prefix="pc:", release="r", max_entries=50)
    for n in range(200):
        cache.store(f"k{n}", ("0", "0"), "page")
    assert len(cache._data) <= 50
    assert cache.lookup("k199", 1)[0] == "page"
