import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { HsmError } from '../domain/errors.js';
import { SCHEMA_SQL, SCHEMA_VERSION } from './schema.sql.js';

// Opening the SQLite file of a sweep store: created with its schema, opened for a run (WAL), or read
// where the user cannot write; a damaged or missing file is an error that says what to do.

export interface StoreOpenOptions {
  create?: boolean;
  readonly?: boolean;
}

export function openStoreDatabase(path: string, options: StoreOpenOptions = {}): Database.Database {
  let db: Database.Database | null = null;
  try {
    db = new Database(path, {
      readonly: options.readonly ?? false,
      fileMustExist: !options.create,
      timeout: 5000, // busy_timeout
    });
    db = options.readonly ? readableInPlace(db, path) : db;
    if (!options.create) db.prepare('SELECT 1 FROM meta LIMIT 1').get(); // a damaged file fails here
  } catch (err) {
    if (db?.open) db.close();
    throw storeOpenError(path, err);
  }
  // room for the task table of a 100,000-task sweep (~30 MB): `hsm status` reads it twice
  db.pragma('cache_size = -65536');
  if (!options.readonly) {
    db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode: a commit survives a crash of hsm (kill -9); only a power loss can lose the
    // last transactions, and the runner's records on disk let the next run reconcile them.
    db.pragma('synchronous = NORMAL');
  }
  if (options.create) {
    db.exec(SCHEMA_SQL);
    db.prepare(`INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)`).run(
      String(SCHEMA_VERSION),
    );
  }
  return db;
}

function storeOpenError(path: string, err: unknown): HsmError {
  const code = (err as { code?: string }).code ?? '';
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT') || /no such table/.test(String(err))) {
    return new HsmError('infra', `the sweep store ${path} is damaged (not a readable hsm store)`, {
      evidence: (err as Error).message,
      hint: "restore sweep.db from a copy of the sweep directory; the task directories under tasks/ still hold each task's output and exit record",
      cause: err,
    });
  }
  return new HsmError('not_found', `cannot open the sweep store ${path}`, {
    evidence: (err as Error).message,
    hint: 'check the sweep id (`hsm recent` lists sweeps) and that the sweep directory is intact',
    cause: err,
  });
}

// A read-only connection to a WAL store needs the shared-memory index (sweep.db-shm). While a run
// writes the store it exists and SQLite reads it without writing; when no run is active it is gone,
// and creating it fails in a directory the user cannot write (SQLITE_READONLY_DIRECTORY). Then the
// database file holds every commit (the last connection checkpointed the log into it) and is read
// as an in-memory copy, marked as a rollback-journal file so that SQLite needs no index.
function readableInPlace(db: Database.Database, path: string): Database.Database {
  try {
    db.prepare('SELECT 1 FROM meta LIMIT 1').get();
    return db;
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    if (code !== 'SQLITE_READONLY_DIRECTORY' && code !== 'SQLITE_CANTOPEN') throw err;
    db.close();
    const image = readFileSync(path);
    // bytes 18-19: the file format versions, 2 = WAL
    if (image.length >= 20 && image[18] === 2 && image[19] === 2) image[18] = image[19] = 1;
    return new Database(image, { readonly: true });
  }
}
