"""The build cache: validated records by file, rendered Markdown bodies, what each page of the
last build read (for incremental builds), and the fingerprint of the last build's inputs.

Kept in one SQLite file under the cache directory (default `.sitegen-cache/`), so CI can
restore it between runs. Values are JSON, never pickle: a cache from elsewhere is data, not
code. A cache that is corrupt, or written by another version of sitegen, is ignored with a
warning and rebuilt; it can make a build faster, never different. `sitegen serve` keeps the
same things in memory instead (Memory), between the rebuilds of one preview.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import jinja2.bccache

from .incremental import PageState, State
from .lastbuild import DATABASE, LastBuild, meta_key, output_key, schema, schema_change
from .markdown import Heading, LinkResolver
from .sources import Seen
from .validate import Encoded, Validated

_BATCH = 500  # keys per SQL statement (SQLite allows 32,766 parameters)


@dataclass(frozen=True, slots=True)
class CachedBody:
    html: str
    headings: tuple[Heading, ...]
    links: tuple[tuple[str, str], ...]  # (target as written, URL it resolved to)

    def still_valid(self, resolve: LinkResolver) -> bool:
        """The body's links must still point where they pointed when it was rendered."""
        return all(resolve(target) == url for target, url in self.links)


@dataclass(slots=True)
class BodyCache:
    """Bodies by key; `fresh` collects what this process rendered, to be saved by the parent."""

    known: dict[str, CachedBody] = field(default_factory=dict)
    fresh: dict[str, CachedBody] = field(default_factory=dict)

    @staticmethod
    def key(text: str, page: str) -> str:
        return hashlib.sha256(f"{page}\0{text}".encode()).hexdigest()

    def get(self, key: str, resolve: LinkResolver) -> CachedBody | None:
        body = self.known.get(key)
        return body if body is not None and body.still_valid(resolve) else None

    def put(self, key: str, body: CachedBody) -> None:
        self.fresh[key] = body


@dataclass(slots=True)
class Memory:
    """The cache of one long-running process (the preview): the same contents, kept as objects."""

    validated: dict[str, Validated] = field(default_factory=dict)
    bodies: dict[str, CachedBody] = field(default_factory=dict)
    states: dict[str, State] = field(default_factory=dict)
    last: dict[str, LastBuild] = field(default_factory=dict)
    sources: Seen = field(default_factory=Seen)  # content files by stat: unchanged ones are not read
    templates: jinja2.BytecodeCache = field(default_factory=lambda: _TemplateCache())
    unsure: set[str] = field(default_factory=set)  # pages a failed in-place build may have changed


class _TemplateCache(jinja2.BytecodeCache):
    """Compiled templates, by name and source checksum (Jinja checks it), for the preview's rebuilds."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


class Store:
    """The SQLite file, or a Memory. Every failure to read or write the file degrades to “no cache”."""

    def __init__(self, directory: Path | None, memory: Memory | None = None, read_only: bool = False) -> None:
        self.directory = directory
        self.memory = memory
        self.read_only = read_only  # `sitegen check`: the file is read as it is, and never written
        self.problem: str | None = None  # why the cache was ignored, for a warning
        self._db: sqlite3.Connection | None = None
        self._states: dict[str, State] = {}  # output key -> the state read from the file by this build
        if directory is not None and memory is None:
            path = directory / DATABASE
            self._db = self._open_read_only(path) if read_only else self._open(path)

    @property
    def enabled(self) -> bool:
        return self.memory is not None or self._db is not None

    def _open(self, path: Path) -> sqlite3.Connection | None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(path)
            db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            row = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
            if row is None or row[0] != schema():  # another version's tables may have other columns
                if row is not None:
                    maker = schema_change(str(row[0]))
                    self.problem = f"缓存由其他版本的 sitegen 或依赖库生成（{maker}），已忽略并重建"
                for table in ("bodies", "records", "pages"):
                    db.execute(f"DROP TABLE IF EXISTS {table}")
                db.execute("DELETE FROM meta")
                db.execute("INSERT INTO meta VALUES ('schema', ?)", (schema(),))
            db.execute("CREATE TABLE IF NOT EXISTS bodies (key TEXT PRIMARY KEY, value TEXT)")
            db.execute("CREATE TABLE IF NOT EXISTS records (key TEXT PRIMARY KEY, records TEXT, problems TEXT, "
                       "findings TEXT)")
            # what each page of an output read (incremental.State's pages; the rest is in meta)
            db.execute("CREATE TABLE IF NOT EXISTS pages (output TEXT, path TEXT, route TEXT, reads TEXT, "
                       "PRIMARY KEY (output, path)) WITHOUT ROWID")
            db.commit()
            return db
        except (sqlite3.Error, OSError) as exc:
            self.problem = f"缓存目录 {path.parent} 无法使用（{exc}），本次不使用缓存"
            self._corrupt(path)
            return None

    def _open_read_only(self, path: Path) -> sqlite3.Connection | None:
        """The file as it is, if there is one of this version; none is made, emptied or moved."""
        if not path.is_file():
            return None
        try:
            db = sqlite3.connect(path.absolute().as_uri() + "?mode=ro", uri=True)
            row = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        except sqlite3.Error as exc:
            self.problem = f"缓存 {path} 无法读取（{exc}），本次检查不使用缓存"
            return None
        if row is None or row[0] != schema():
            db.close()
            maker = schema_change(str(row[0])) if row else "版本不明"
            self.problem = f"缓存由其他版本的 sitegen 或依赖库生成（{maker}），本次检查不使用缓存"
            return None
        return db

    def _corrupt(self, path: Path) -> None:
        """A damaged file is moved aside, so that the next build starts a fresh one."""
        try:
            if path.is_file():
                path.replace(path.with_suffix(".corrupt"))
        except OSError:
            pass

    def bodies(self, keys: Iterable[str] | None = None) -> dict[str, CachedBody]:
        """The cached bodies with these keys (None: all of them)."""
        if self.memory is not None:
            return self.memory.bodies
        if self._db is None:
            return {}
        try:
            rows = (self._db.execute("SELECT key, value FROM bodies").fetchall() if keys is None
                    else self._select("SELECT key, value FROM bodies", keys))
            return {key: _decode_body(value) for key, value in rows}
        except (sqlite3.Error, ValueError, KeyError, TypeError) as exc:
            self.problem = f"缓存内容已损坏（{exc}），已忽略"
            return {}

    def save_bodies(self, bodies: Iterable[tuple[str, CachedBody]]) -> None:
        if self.memory is not None:
            self.memory.bodies.update(bodies)
            return
        self._write("INSERT OR REPLACE INTO bodies VALUES (?, ?)",
                    [(key, _encode_body(body)) for key, body in bodies])

    def body_count(self) -> int:
        """How many rendered bodies the cache holds (0 without a usable database)."""
        if self.memory is not None:
            return len(self.memory.bodies)
        if self._db is None:
            return 0
        try:
            return int(self._db.execute("SELECT count(*) FROM bodies").fetchone()[0])
        except sqlite3.Error as exc:
            self.problem = f"无法读取缓存（{exc}）"
            return 0

    def keep_bodies(self, keys: Iterable[str]) -> None:
        """Forget every body but these (the site's bodies now), so the cache does not grow edit by edit."""
        keep = set(keys)
        if self.memory is not None:
            _prune(self.memory.bodies, keep)
            return
        stored = self._keys("bodies")
        if stored is not None:
            self._write("DELETE FROM bodies WHERE key = ?", [(key,) for key in stored - keep])

    def validated(self, keys: Iterable[str]) -> dict[str, Validated]:
        """The cached records of the files with these keys (see sources.file_key), where known."""
        if self.memory is not None:
            return {key: hit for key in keys if (hit := self.memory.validated.get(key)) is not None}
        if self._db is None:
            return {}
        found = {}
        try:
            query = "SELECT key, records, problems, findings FROM records"
            for key, records, problems, findings in self._select(query, keys):
                found[key] = Validated.decode((records, problems, findings))
        except (sqlite3.Error, ValueError, KeyError, TypeError) as exc:
            self.problem = f"缓存内容已损坏（{exc}），已忽略"
            return {}
        return found

    def validated_keys(self) -> set[str]:
        """The keys of every file the cache has records of (see sources.file_key)."""
        if self.memory is not None:
            return set(self.memory.validated)
        return self._keys("records") or set()

    def save_validated(self, files: dict[str, Validated], encoded: Mapping[str, Encoded] | None = None) -> None:
        """Add these files' records, and forget every other file's. `encoded`: some of them as
        Validated.encode() gives them, made already."""
        if self.memory is not None:
            self.memory.validated.update(files)
            _prune(self.memory.validated, set(files))
            return
        stored = self._keys("records")
        if stored is None:
            return
        encoded = encoded or {}
        self._write("INSERT OR REPLACE INTO records VALUES (?, ?, ?, ?)", [
            (key, *(encoded.get(key) or v.encode())) for key, v in files.items() if key not in stored])
        self._write("DELETE FROM records WHERE key = ?", [(key,) for key in stored - set(files)])

    def _keys(self, table: str) -> set[str] | None:
        """Every key of a table (`records` or `bodies`), or None without a usable database."""
        if self._db is None:
            return None
        try:
            return {key for (key,) in self._db.execute(f"SELECT key FROM {table}")}
        except sqlite3.Error as exc:
            self.problem = f"无法读取缓存（{exc}）"
            return None

    def _select(self, query: str, keys: Iterable[str]) -> list[tuple[Any, ...]]:
        """The rows of `query` whose key is one of `keys`, asked in batches (SQLite limits parameters)."""
        assert self._db is not None
        wanted, rows = list(keys), []
        for start in range(0, len(wanted), _BATCH):
            batch = wanted[start : start + _BATCH]
            rows += self._db.execute(f"{query} WHERE key IN ({','.join('?' * len(batch))})", batch).fetchall()
        return rows

    def state(self, output: Path) -> State | None:
        if self.memory is not None:
            return self.memory.states.get(output_key(output, self.directory))
        key = output_key(output, self.directory)
        value = self._meta(f"state:{key}")
        if value is None or self._db is None:
            return None
        try:
            rows = self._db.execute("SELECT path, route, reads FROM pages WHERE output = ?", (key,)).fetchall()
            pages = {str(path): PageState(str(route), json.loads(reads)) for path, route, reads in rows}
            state = State.from_json(json.loads(value), pages)
        except (sqlite3.Error, ValueError, KeyError, TypeError, AttributeError):
            self.problem = "缓存中的增量构建记录已损坏，本次全部重新生成"
            return None
        self._states[key] = state
        return state

    def save_state(self, output: Path, state: State) -> None:
        """Save what the build read. Only the rows of pages whose PageState is not the one this
        Store read (see incremental.remember) are written again, and those of pages gone removed."""
        key = output_key(output, self.directory)
        if self.memory is not None:
            self.memory.states[key] = state
            return
        read = self._states.pop(key, None)
        header = json.dumps(state.to_json(), ensure_ascii=False, separators=(",", ":"))
        if read is None:  # whatever rows there are belong to no state this build saw
            gone: list[tuple[str, ...]] = [(key,)]
            forget = "DELETE FROM pages WHERE output = ?"
            fresh = list(state.pages.items())
        else:
            gone = [(key, path) for path in read.pages.keys() - state.pages.keys()]
            forget = "DELETE FROM pages WHERE output = ? AND path = ?"
            fresh = [(path, page) for path, page in state.pages.items() if read.pages.get(path) is not page]
        self._transaction([
            ("INSERT OR REPLACE INTO meta VALUES (?, ?)", [(f"state:{key}", header)]),
            (forget, gone),
            ("INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?)",
             [(key, path, page.route, json.dumps(page.reads, ensure_ascii=False, separators=(",", ":")))
              for path, page in fresh]),
        ])

    def last_build(self, output: Path) -> LastBuild | None:
        if self.memory is not None:
            return self.memory.last.get(output_key(output, self.directory))
        value = self._meta(meta_key(output, self.directory))
        return None if value is None else LastBuild.from_json(value)

    def save_last_build(self, output: Path, last: LastBuild) -> None:
        if self.memory is not None:
            self.memory.last[output_key(output, self.directory)] = last
            return
        self._write("INSERT OR REPLACE INTO meta VALUES (?, ?)", [(meta_key(output, self.directory), last.to_json())])

    def _meta(self, key: str) -> str | None:
        if self._db is None:
            return None
        try:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error:
            return None
        return None if row is None else str(row[0])

    def _write(self, sql: str, rows: Sequence[tuple[str, ...]]) -> None:
        self._transaction([(sql, rows)])

    def _transaction(self, statements: Sequence[tuple[str, Sequence[tuple[str, ...]]]]) -> None:
        """Each statement for each of its rows, all or nothing."""
        if self._db is None or self.read_only or not any(rows for _, rows in statements):
            return
        try:
            for sql, rows in statements:
                if rows:
                    self._db.executemany(sql, rows)
            self._db.commit()
        except sqlite3.Error as exc:
            with contextlib.suppress(sqlite3.Error):
                self._db.rollback()
            self.problem = f"无法写入缓存（{exc}）"

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def _prune(entries: dict[str, Any], keep: set[str]) -> None:
    for key in [key for key in entries if key not in keep]:
        del entries[key]


def _encode_body(body: CachedBody) -> str:
    return json.dumps({
        "html": body.html,
        "headings": [[h.level, h.text, h.anchor] for h in body.headings],
        "links": [list(link) for link in body.links],
    }, ensure_ascii=False)


def _decode_body(value: str) -> CachedBody:
    data = json.loads(value)
    return CachedBody(
        html=str(data["html"]),
        headings=tuple(Heading(int(level), str(text), str(anchor)) for level, text, anchor in data["headings"]),
        links=tuple((str(target), str(url)) for target, url in data["links"]),
    )


def fingerprint(parts: Iterable[str]) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()
