import { existsSync } from 'node:fs';
import type { Diagnosis } from '../diagnose/index.js';
import type { TaskRow } from '../engine/ports.js';
import type { OpenSweep } from '../state/sweep-directory.js';
import { appendFailedAttempt } from '../state/failure-log.js';
import { readTaskMetrics } from '../results/task-metrics.js';
import { countSweepTraits, writeSweepErrorPatterns } from './sweep-errors.js';
import type { ValueCounts } from '../diagnose/index.js';
import { storageFailureOf } from '../engine/storage-failure.js';

// These are views of what the task directories hold (metrics.json, stderr): on a full disk they are
// skipped, never allowed to crash the run (the engine stops the run itself, docs/ARCHITECTURE.md).
function unlessDiskFull(write: () => void): void {
  try {
    write();
  } catch (err) {
    if (!storageFailureOf(err)) throw err;
  }
}

// What a run learns as each attempt ends, kept as it happens: the task's metrics and, for an attempt
// that did not complete, its cause (in the store, and appended to logs/errors/failed_tasks.yaml);
// logs/errors/error_patterns.yaml is rewritten from them now and then, and when the run ends.
export class FindingsRecorder {
  private metricsFlush: NodeJS.Immediate | null = null;
  private patternsTimer: NodeJS.Timeout | null = null;
  private patternsDirty = false;
  private lastPatternsWrite = 0;
  private patternsCostMs = 0;
  /** The sweep's parameter values and hosts, counted at the first rewrite during the run. */
  private sweepTraits: ValueCounts | null = null;

  constructor(private readonly sweep: OpenSweep) {}

  onAttemptEnded(row: TaskRow, retrying: boolean, diagnosis: Diagnosis | null | undefined): void {
    // committed with the round that records the attempt's end (one transaction for both); anything
    // no round took is written on the next turn of the event loop
    this.sweep.store.findings.queueMetrics({
      task: row.name,
      attempt: row.attempts,
      metrics: readTaskMetrics(this.sweep.paths, row.name),
    });
    this.metricsFlush ??= setImmediate(() => this.flushMetrics());
    if (!diagnosis) return;
    unlessDiskFull(() => this.sweep.store.findings.recordFailure(row.name, row.attempts, diagnosis));
    unlessDiskFull(() => this.appendFailure(row, retrying, diagnosis));
    this.patternsDirty = true;
    this.schedulePatterns();
  }

  private appendFailure(row: TaskRow, retrying: boolean, diagnosis: Diagnosis): void {
    appendFailedAttempt(this.sweep.paths.failedTasksLog, this.sweep.id, {
      task: row.name,
      attempt: row.attempts,
      at: new Date(row.endedAt ?? Date.now()).toISOString(),
      status: row.status,
      category: diagnosis.category,
      termination_reason: row.reason,
      exit_code: row.exitCode,
      signal: row.signal,
      host: row.host,
      source: row.source,
      evidence: diagnosis.evidence,
      fingerprint: diagnosis.fingerprint,
      retrying,
      params: row.params,
    });
  }

  /** Writes what is still pending; the run has ended. */
  close(): void {
    this.flushMetrics();
    if (this.patternsTimer) clearTimeout(this.patternsTimer);
    // a task that failed earlier may have completed since: the groups must say so
    if (this.patternsDirty || existsSync(this.sweep.paths.errorPatterns)) {
      this.sweepTraits = null; // every task's host is known now
      this.writePatterns();
    }
  }

  private flushMetrics(): void {
    if (this.metricsFlush) clearImmediate(this.metricsFlush);
    this.metricsFlush = null;
    unlessDiskFull(() => this.sweep.store.findings.flushMetrics());
  }

  // At most every 2 s, or 20 times what a rewrite costs (a sweep with 100,000 failures), whichever is longer.
  private schedulePatterns(): void {
    if (this.patternsTimer) return;
    const interval = Math.max(2000, this.patternsCostMs * 20);
    const wait = Math.max(0, this.lastPatternsWrite + interval - Date.now());
    this.patternsTimer = setTimeout(() => {
      this.patternsTimer = null;
      this.writePatterns();
    }, wait);
    this.patternsTimer.unref();
  }

  private writePatterns(): void {
    this.flushMetrics();
    const t0 = Date.now();
    this.sweepTraits ??= countSweepTraits(this.sweep);
    unlessDiskFull(() => writeSweepErrorPatterns(this.sweep, this.sweepTraits!));
    this.patternsCostMs = Date.now() - t0;
    this.lastPatternsWrite = Date.now();
    this.patternsDirty = false;
  }
}
