"""A cache for signed-in pages that are read far more often than the data behind them changes:
the citizen's position list, the portal's landing page after sign-in.

An entry is keyed by the page, the person, the language, the local date and two *versions*:
the person's, replaced after every committed write about them, and a global one, replaced when
reference data every page shows changes (Enti and their rules, violation types). Writes never
delete entries; they give the person a new, never reused version. The versions are read
before the page's data, in the same round trip as the entry, and a page rendered on a miss is
stored under the versions read then — so a page built from data read before a write is filed
under the old version and can never be served after the write, whatever the interleaving.
Entries expire after ``PAGE_CACHE_TTL`` seconds; versions after twice that, so when a version
expires (and reads as "0" again) every entry rendered under an older one is already gone.

Writes are noticed in two ways: the ORM session events below (any flush that inserts, changes
or deletes a person, a verbale or a verbale's violations, costs, evidence or payments, and
commits) and explicit calls from the bulk writers that bypass the ORM
(:func:`invalidate_people`, :func:`invalidate_all`).

Per-request values — the CSP nonce and the CSRF token — are rendered as marks and filled in
for every response. A request with a query string or with flashed messages waiting is rendered
normally and not stored.

Backends: Redis, shared by every web process and worker (``PAGE_CACHE = "auto"`` with
``REDIS_URL`` set), or an in-process store (``"memory"``: one process, e.g. the tests). With
``"auto"`` and no Redis the cache is off: the embedded default runs the portal and the contact
center as separate processes, and a cache in one would not hear the other's writes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from pathlib import Path

from flask import Flask, current_app, g, request, session
from sqlalchemy import event, select
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

NONCE_MARK = "__pagecache_csp_nonce__"
CSRF_MARK = "__pagecache_csrf_token__"
EXT = "pagecache"

# GET both versions and the entry in one round trip (KEYS: person version, global version;
# ARGV: the entry key without its versions).
_LOOKUP_LUA = """
local vp = redis.call('GET', KEYS[1]) or '0'
local vg = redis.call('GET', KEYS[2]) or '0'
return {vp, vg, redis.call('GET', ARGV[1] .. '|' .. vp .. '|' .. vg)}
"""

# The signed-in request's one round trip: both versions, the cached session check and, when
# the request is for a cached page, that page in the principal's language unless the session
# chose another (KEYS: person version, global version; ARGV: principal key, page key before
# the language ('' for none), page key after it, the session's language or '').
_SIGNED_IN_LUA = """
local vp = redis.call('GET', KEYS[1]) or '0'
local vg = redis.call('GET', KEYS[2]) or '0'
local v = '|' .. vp .. '|' .. vg
local principal = redis.call('GET', ARGV[1] .. v)
local page = false
if principal and ARGV[2] ~= '' then
  local lang = ARGV[4]
  if lang == '' then lang = string.sub(principal, 1, 2) end
  page = redis.call('GET', ARGV[2] .. lang .. ARGV[3] .. v)
end
return {vp, vg, principal, page}
"""


class PageCache:
    """One cache store. ``lookup`` returns ``(html or None, versions)``; ``store`` files a page
    under the versions its lookup returned."""

    def __init__(self, ttl: int, prefix: str, release: str):
        self.ttl = ttl
        self.release = release
        self.set_prefix(prefix)

    def set_prefix(self, prefix: str) -> None:
        self.prefix = prefix
        self._versions = f"{prefix}v:"
        self._entries = f"{prefix}{self.release}:p:"

    def entry_key(self, page: str, person_id: int, lang: str, day: str) -> str:
        return f"{self._entries}{page}:{person_id}:{lang}:{day}"

    def entry_key_parts(self, page: str, person_id: int, day: str) -> tuple[str, str]:
        """The entry key before and after the language."""
        return f"{self._entries}{page}:{person_id}:", f":{day}"

    def version_keys(self, person_id: int) -> tuple[str, str]:
        return f"{self._versions}{person_id}", f"{self._versions}*"

    def lookup(self, key: str, person_id: int) -> tuple[str | None, tuple[str, str]]:
        raise NotImplementedError

    def lookup_signed_in(self, principal_key: str, person_id: int, page_head: str,
                         page_tail: str, lang: str) -> tuple[tuple[str, str], str | None,
                                                             str | None]:
        """``(versions, principal record, page)`` in one go (see ``_SIGNED_IN_LUA``)."""
        raise NotImplementedError

    def get(self, key: str, versions: tuple[str, str]) -> str | None:
        """The entry filed under ``versions`` (read earlier in the same request)."""
        raise NotImplementedError

    def store(self, key: str, versions: tuple[str, str], html: str, ttl: int | None = None) -> None:
        raise NotImplementedError

    def principal_key(self, credential_id: int, token: str) -> str:
        # The session token is a secret: only a digest of it goes into the key.
        digest = hashlib.sha256(token.encode()).hexdigest()[:24]
        return f"{self.prefix}u:{credential_id}:{digest}"

    def bump(self, person_ids: Iterable[int], everyone: bool) -> None:
        raise NotImplementedError

    def clear(self) -> None:
        """Forget everything (tests): a new prefix, so no earlier entry or version is seen."""
        self.set_prefix(f"pc:{secrets.token_hex(4)}:")


class MemoryPageCache(PageCache):
    def __init__(self, ttl: int, prefix: str, release: str, max_entries: int = 10_000):
        super().__init__(ttl, prefix, release)
        self._data: dict[str, tuple[float, str]] = {}
        self._lock = threading.Lock()
        self._max = max_entries

    def _get(self, key: str) -> str | None:
        item = self._data.get(key)
        if item is None:
            return None
        if item[0] <= time.monotonic():
            self._data.pop(key, None)
            return None
        return item[1]

    def _set(self, key: str, value: str, ttl: int) -> None:
        if len(self._data) >= self._max:
            now = time.monotonic()
            for stale in [k for k, (exp, _) in self._data.items() if exp <= now]:
                del self._data[stale]
            if len(self._data) >= self._max:
                self._data.pop(next(iter(self._data)))
        self._data[key] = (time.monotonic() + ttl, value)

    def lookup(self, key, person_id):
        vkey, gkey = self.version_keys(person_id)
        with self._lock:
            versions = (self._get(vkey) or "0", self._get(gkey) or "0")
            return self._get(f"{key}|{versions[0]}|{versions[1]}"), versions

    def get(self, key, versions):
        with self._lock:
            return self._get(f"{key}|{versions[0]}|{versions[1]}")

    def lookup_signed_in(self, principal_key, person_id, page_head, page_tail, lang):
        vkey, gkey = self.version_keys(person_id)
        with self._lock:
            versions = (self._get(vkey) or "0", self._get(gkey) or "0")
            tail = f"|{versions[0]}|{versions[1]}"
            principal = self._get(principal_key + tail)
            page = None
            if principal is not None and page_head:
                page = self._get(f"{page_head}{lang or principal[:2]}{page_tail}{tail}")
            return versions, principal, page

    def store(self, key, versions, html, ttl=None):
        with self._lock:
            self._set(f"{key}|{versions[0]}|{versions[1]}", html, ttl or self.ttl)

    def bump(self, person_ids, everyone):
        with self._lock:
            for person_id in person_ids:
                self._set(self.version_keys(person_id)[0], secrets.token_hex(8), 2 * self.ttl)
            if everyone:
                self._set(f"{self._versions}*", secrets.token_hex(8), 2 * self.ttl)

    def clear(self):
        with self._lock:
            self._data.clear()
            super().clear()


class RedisPageCache(PageCache):
    def __init__(self, url: str, ttl: int, prefix: str, release: str):
        from redis import Redis

        super().__init__(ttl, prefix, release)
        self._redis = Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._lookup = self._redis.register_script(_LOOKUP_LUA)
        self._signed_in = self._redis.register_script(_SIGNED_IN_LUA)

    def lookup(self, key, person_id):
        vp, vg, html = self._lookup(keys=list(self.version_keys(person_id)), args=[key])
        return (html.decode() if html is not None else None), (vp.decode(), vg.decode())

    def get(self, key, versions):
        value = self._redis.get(f"{key}|{versions[0]}|{versions[1]}")
        return value.decode() if value is not None else None

    def lookup_signed_in(self, principal_key, person_id, page_head, page_tail, lang):
        vp, vg, principal, page = self._signed_in(
            keys=list(self.version_keys(person_id)),
            args=[principal_key, page_head, page_tail, lang])
        return ((vp.decode(), vg.decode()), principal.decode() if principal else None,
                page.decode() if page else None)

    def store(self, key, versions, html, ttl=None):
        self._redis.set(f"{key}|{versions[0]}|{versions[1]}", html.encode(), ex=ttl or self.ttl)

    def bump(self, person_ids, everyone):
        pipe = self._redis.pipeline(transaction=False)
        for person_id in person_ids:
            pipe.set(self.version_keys(person_id)[0], secrets.token_hex(8), ex=2 * self.ttl)
        if everyone:
            pipe.set(f"{self._versions}*", secrets.token_hex(8), ex=2 * self.ttl)
        pipe.execute()


# Every cache configured in this process: a write anywhere in the process (portal, contact
# center, a worker's job) bumps the versions in each of them.
_caches: weakref.WeakSet[PageCache] = weakref.WeakSet()
_shared: dict[tuple, PageCache] = {}


def _release_tag(app: Flask) -> str:
    """Entries are filed per release of the templates and catalogues, so a deploy that changes
    a page or a translation never serves pages rendered by the previous one."""
    digest = hashlib.sha256()
    root = Path(app.root_path)
    for folder, pattern in (("templates", "**/*.html"), ("translations", "**/*.mo")):
        for path in sorted((root / folder).glob(pattern)):
            stat = path.stat()
            digest.update(f"{path.relative_to(root)}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return digest.hexdigest()[:12]


def init_app(app: Flask) -> None:
    mode = app.config.get("PAGE_CACHE", "auto")
    redis_url = app.config.get("REDIS_URL") or ""
    ttl = int(app.config.get("PAGE_CACHE_TTL", 300))
    # Databases sharing one Redis never see each other's entries or versions.
    database = hashlib.sha256(str(app.config.get("DATABASE_URL", "")).encode()).hexdigest()[:8]
    prefix = f"{app.config.get('PAGE_CACHE_PREFIX', 'pc:')}{database}:"
    if mode == "off" or (mode == "auto" and not redis_url):
        app.extensions[EXT] = None
        return
    backend = "redis" if mode == "auto" else mode
    if backend not in ("redis", "memory"):
        raise ValueError(f"PAGE_CACHE must be auto, memory or off, not {mode!r}")
    # Apps of one process with the same settings share the store (the portal's pages, the
    # contact center's writes).
    key = (backend, redis_url if backend == "redis" else "", ttl, prefix)
    cache = _shared.get(key)
    if cache is None:
        release = _release_tag(app)
        cache = (RedisPageCache(redis_url, ttl, prefix, release) if backend == "redis"
                 else MemoryPageCache(ttl, prefix, release))
        _shared[key] = cache
        _caches.add(cache)
    app.extensions[EXT] = cache
    app.jinja_env.globals["csrf_token"] = _csrf_token_or_mark  # after CSRFProtect.init_app


def cache_for(app: Flask | None = None) -> PageCache | None:
    return (app or current_app).extensions.get(EXT)


def clear_all() -> None:
    """Forget every entry and version of every cache in the process (tests)."""
    for cache in list(_caches):
        cache.clear()


def _csrf_token_or_mark() -> str:
    from flask_wtf.csrf import generate_csrf

    return CSRF_MARK if g.get("pagecache_rendering") else generate_csrf()


def _fill(html: str) -> str:
    from flask_wtf.csrf import generate_csrf

    from core.security import csp_nonce

    html = html.replace(NONCE_MARK, csp_nonce())
    if CSRF_MARK in html:
        html = html.replace(CSRF_MARK, generate_csrf())
    return html


def _render_marked(render: Callable[[], str]) -> str:
    g.pagecache_rendering = True
    g.csp_nonce = NONCE_MARK
    try:
        return render()
    finally:
        g.pagecache_rendering = False
        g.pop("csp_nonce", None)


# Endpoints served through cached_page: the session check fetches their entry in the same
# round trip (see cached_principal).
_PAGES: set[str] = set()


def register(endpoint: str) -> None:
    _PAGES.add(endpoint)


def local_day() -> str:
    """The date cached pages are quoted for: today on the Enti's clock (Italy's)."""
    from core.positions import local_today

    return local_today().isoformat()


def _cacheable() -> bool:
    return not request.args and not session.get("_flashes")


def cached_page(page: str, person_id: int, day: str, render: Callable[[], str]) -> str:
    """The page ``page`` of ``person_id`` for ``day`` (the local date its amounts are quoted
    for) in the current language: from the cache, or rendered by ``render`` and stored."""
    cache = cache_for()
    if cache is None or not _cacheable():
        return render()
    from core.i18n import current_language

    key = cache.entry_key(page, person_id, current_language(), day)
    prefetched = g.pop("pagecache_page", None)
    if prefetched is not None and prefetched[0] == key:
        return _fill(prefetched[1])
    try:
        known = g.get("pagecache_versions")
        if known is not None and known[0] == person_id:
            # Read with the signed-in principal, before any of the page's data: still valid.
            versions = known[1]
            html = cache.get(key, versions)
        else:
            html, versions = cache.lookup(key, person_id)
    except Exception:  # the cache is an optimisation: never fail a page for it
        log.warning("page cache unavailable, rendering %s", page, exc_info=True)
        return render()
    if html is None:
        html = _render_marked(render)
        try:
            cache.store(key, versions, html)
        except Exception:
            log.warning("page cache unavailable, not storing %s", page, exc_info=True)
    return _fill(html)


# --- the signed-in principal ---------------------------------------------------------------
#
# Checking the session against the credential is most of a cached page's cost (a connection
# from the pool, a query, a commit). The check's result is cached under the same versions as
# the pages, keyed by the credential and a digest of the session token, so signing out or
# changing the password (a new token: a write about the person) ends the session at once, as
# the database check would. Entries live PRINCIPAL_TTL seconds at most.

PRINCIPAL_TTL = 120


def cached_principal(credential_id: int, token: str, person_id: int) -> dict | None:
    """The principal's columns stored by :func:`store_principal` for this credential and
    token, if no write about ``person_id`` happened since; ``None`` otherwise (check the
    database). Remembers the versions read, for :func:`store_principal` and the page."""
    cache = cache_for()
    if cache is None:
        return None
    head = tail = ""
    endpoint = request.endpoint if request else None
    if endpoint in _PAGES and request.method == "GET" and _cacheable():
        head, tail = cache.entry_key_parts(endpoint, person_id, local_day())
    from core.i18n import chosen_language

    lang = chosen_language() or ""
    try:
        versions, value, page = cache.lookup_signed_in(
            cache.principal_key(credential_id, token), person_id, head, tail, lang)
    except Exception:
        log.warning("page cache unavailable, checking the session in the database", exc_info=True)
        return None
    g.pagecache_versions = (person_id, versions)
    if value is None:
        return None
    data = json.loads(value[2:])
    if data.get("person_id") != person_id:
        return None
    if page is not None:
        g.pagecache_page = (f"{head}{lang or value[:2]}{tail}", page)
    return data


def store_principal(credential_id: int, token: str, data: dict) -> None:
    """After a database check that :func:`cached_principal` missed."""
    cache = cache_for()
    known = g.get("pagecache_versions")
    if cache is None or known is None or known[0] != data.get("person_id"):
        return
    try:
        # The language first: the lookup script reads it to find the page.
        cache.store(cache.principal_key(credential_id, token), known[1],
                    str(data["language"])[:2] + json.dumps(data), ttl=min(PRINCIPAL_TTL, cache.ttl))
    except Exception:
        log.warning("page cache unavailable, not storing the principal", exc_info=True)


# --- noticing writes ---------------------------------------------------------------------------

_PENDING = "pagecache_pending"


class _Pending:
    __slots__ = ("people", "verbali", "everyone")

    def __init__(self) -> None:
        self.people: set[int] = set()
        self.verbali: set[int] = set()
        self.everyone = False


def _pending(sess: Session) -> _Pending:
    pending = sess.info.get(_PENDING)
    if pending is None:
        pending = sess.info[_PENDING] = _Pending()
    return pending


def _models():
    from core import models as m

    verbale_children = (m.VerbaleViolation, m.VerbaleCost, m.Evidence, m.Payment)
    reference = (m.Ente, m.ViolationType)
    return m.Verbale, m.Person, m.AccessCredential, verbale_children, reference


def _values(state, attr: str) -> list[int]:
    history = state.attrs[attr].history
    values = [v for v in (*history.added, *history.unchanged, *history.deleted) if v is not None]
    if not values and state.dict.get(attr) is not None:
        values.append(state.dict[attr])
    return values


def _note(sess: Session, objects: Iterable[object]) -> None:
    from sqlalchemy import inspect

    verbale_cls, person_cls, credential_cls, children, reference = _models()
    pending = None
    for obj in objects:
        if isinstance(obj, verbale_cls):
            pending = pending or _pending(sess)
            state = inspect(obj)
            found = _values(state, "offender_id") + _values(state, "owner_id")
            pending.people.update(found)
            if not found and obj.id is not None:  # attributes expired: ask the database
                pending.verbali.add(obj.id)
        elif isinstance(obj, children):
            pending = pending or _pending(sess)
            verbale = obj.__dict__.get("verbale")
            if isinstance(verbale, verbale_cls) and verbale.offender_id is not None:
                pending.people.update(i for i in (verbale.offender_id, verbale.owner_id) if i)
            else:
                pending.verbali.update(_values(inspect(obj), "verbale_id"))
        elif isinstance(obj, person_cls):
            if obj.id is not None:
                (pending := pending or _pending(sess)).people.add(obj.id)
        elif isinstance(obj, credential_cls):  # a new session token, a lock: sessions change
            (pending := pending or _pending(sess)).people.update(
                _values(inspect(obj), "person_id"))
        elif isinstance(obj, reference):
            (pending := pending or _pending(sess)).everyone = True


@event.listens_for(Session, "after_flush")
def _after_flush(sess: Session, _context) -> None:
    # The collections still show what this flush wrote; ids and foreign keys are assigned.
    if _caches:
        _note(sess, (*sess.new, *sess.dirty, *sess.deleted))


@event.listens_for(Session, "after_flush_postexec")
def _resolve_verbali(sess: Session, _context) -> None:
    """The people of the verbali whose children were written (one query per flush)."""
    pending = sess.info.get(_PENDING)
    if pending is None or not pending.verbali:
        return
    from core.models import Verbale

    ids = sorted(pending.verbali)
    pending.verbali.clear()
    conn = sess.connection()
    for start in range(0, len(ids), 1000):
        rows = conn.execute(select(Verbale.offender_id, Verbale.owner_id)
                            .where(Verbale.id.in_(ids[start:start + 1000])))
        for offender_id, owner_id in rows:
            pending.people.update(i for i in (offender_id, owner_id) if i is not None)


@event.listens_for(Session, "after_commit")
def _after_commit(sess: Session) -> None:
    pending = sess.info.pop(_PENDING, None)
    if pending is not None and (pending.people or pending.everyone):
        _bump(pending.people, pending.everyone)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(sess: Session, previous_transaction) -> None:
    # Only the outermost rollback discards the transaction's writes; a savepoint rolled back
    # inside a transaction that later commits leaves the earlier writes in place.
    if previous_transaction.parent is None:
        sess.info.pop(_PENDING, None)


def _bump(person_ids: Iterable[int], everyone: bool) -> None:
    ids = sorted(set(person_ids))
    for cache in list(_caches):
        try:
            cache.bump(ids, everyone)
        except Exception:
            # Entries rendered before this write may be served until they expire (TTL).
            log.error("page cache: could not invalidate %d people", len(ids), exc_info=True)


def note_people(sess: Session, person_ids: Iterable[int]) -> None:
    """For writers that bypass the ORM inside a session's transaction (COPY, Core inserts):
    these people's pages are invalidated when that transaction commits."""
    ids = [i for i in person_ids if i is not None]
    if ids and _caches:
        _pending(sess).people.update(ids)


def invalidate_people(person_ids: Iterable[int]) -> None:
    """For writers outside any session: call after their own commit."""
    _bump(person_ids, False)


def note_everyone(sess: Session) -> None:
    """Every person's pages change when the session's transaction commits (bulk deletes)."""
    if _caches:
        _pending(sess).everyone = True


def invalidate_all() -> None:
    """Every person's pages (reference data changed outside the ORM)."""
    _bump((), True)
