import type Database from 'better-sqlite3';

// Requests to cancel single tasks of a sweep that another process is running (`hsm cancel SWEEP
// --tasks`, the dashboard's button): written to the sweep's store by the one asking, taken by the
// running engine, which looks a few times a second. A request is taken once.

const REQUESTS_SQL = `
CREATE TABLE IF NOT EXISTS cancel_requests (
  id     INTEGER PRIMARY KEY,
  at     INTEGER NOT NULL,
  task   TEXT NOT NULL
);
`;

export class CancelRequests {
  private statements: { any: Database.Statement; take: Database.Statement } | null = null;

  constructor(private readonly db: Database.Database) {
    if (!db.readonly) db.exec(REQUESTS_SQL);
  }

  /** Asks the process running the sweep to cancel these tasks. */
  add(tasks: readonly string[], at = Date.now()): void {
    const insert = this.db.prepare(`INSERT INTO cancel_requests (at, task) VALUES (?, ?)`);
    this.db.transaction(() => {
      for (const t of tasks) insert.run(at, t);
    })();
  }

  /** The tasks asked for since the last call, oldest first; they are removed. Cheap when none are. */
  take(): string[] {
    this.statements ??= {
      any: this.db.prepare(`SELECT EXISTS (SELECT 1 FROM cancel_requests)`).pluck(),
      take: this.db.prepare(`DELETE FROM cancel_requests RETURNING id, task`),
    };
    if (this.statements.any.get() === 0) return []; // a read: no write lock taken when nothing waits
    const rows = this.statements.take.all() as { id: number; task: string }[];
    return rows.sort((a, b) => a.id - b.id).map((r) => r.task);
  }
}
