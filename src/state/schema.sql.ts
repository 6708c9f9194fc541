// The sweep store's schema (SQLite, WAL). One store per sweep directory; `hsm status` reads it while
// `hsm run` writes. Params and argv are kept as JSON text so they round-trip with their YAML types.
// No index on status and no AUTOINCREMENT: every status change would pay extra page writes, and a
// full scan of 100,000 rows to count statuses takes milliseconds.
export const SCHEMA_VERSION = 1;

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tasks (
  idx         INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  key         TEXT NOT NULL UNIQUE,
  params      TEXT NOT NULL,
  argv        TEXT NOT NULL,
  status      TEXT NOT NULL DEFAULT 'pending',
  source      TEXT,
  attempts    INTEGER NOT NULL DEFAULT 0,
  exit_code   INTEGER,
  signal      TEXT,
  reason      TEXT,
  started_at  INTEGER,
  ended_at    INTEGER,
  host        TEXT,
  detail      TEXT
);
CREATE TABLE IF NOT EXISTS attempts (
  task_idx    INTEGER NOT NULL,
  attempt     INTEGER NOT NULL,
  source      TEXT NOT NULL,
  status      TEXT NOT NULL,
  pid         INTEGER, -- the source's attempt handle (a local pid; text such as node3:4242 elsewhere)
  host        TEXT,
  queued_at   INTEGER NOT NULL,
  started_at  INTEGER,
  ended_at    INTEGER,
  exit_code   INTEGER,
  signal      TEXT,
  reason      TEXT,
  detail      TEXT,
  PRIMARY KEY (task_idx, attempt)
);
CREATE TABLE IF NOT EXISTS events (
  id      INTEGER PRIMARY KEY,
  at      INTEGER NOT NULL,
  task    TEXT,
  kind    TEXT NOT NULL,
  data    TEXT
);
`;
