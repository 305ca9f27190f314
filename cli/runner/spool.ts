import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from './files';

export type SpoolKind = 'event' | 'action' | 'run';

/** One report that could not be delivered, exactly as it will be sent (same id, same body). */
export interface SpoolRecord {
  v: 1;
  kind: SpoolKind;
  id: string;
  spooled_at: string;
  /** why it was spooled: the last delivery failure */
  reason: string;
  body: Record<string, unknown>;
}

export interface SpoolEntry {
  file: string;
  record: SpoolRecord;
}

export interface SpoolReadProblem {
  file: string;
  problem: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

let sequence = 0;

/**
 * The local spool: one file per undelivered report under `pending/`, written atomically (temp
 * file, fsync, rename) and never rewritten. Delivered records are deleted; records the console
 * refused go to `rejected/` (with the answer beside them); unreadable files go to `quarantine/`.
 */
export class Spool {
  readonly pendingDir: string;
  readonly tmpDir: string;
  readonly rejectedDir: string;
  readonly quarantineDir: string;

  constructor(readonly dir: string) {
    this.pendingDir = path.join(dir, 'pending');
    this.tmpDir = path.join(dir, 'tmp');
    this.rejectedDir = path.join(dir, 'rejected');
    this.quarantineDir = path.join(dir, 'quarantine');
  }

  append(kind: SpoolKind, id: string, body: Record<string, unknown>, reason: string): string {
    const record: SpoolRecord = { v: 1, kind, id, spooled_at: new Date().toISOString(), reason, body };
    // Names sort in spooling order: time, then process, then a per-process sequence.
    const name = `${String(Date.now()).padStart(14, '0')}-${String(process.pid).padStart(7, '0')}-${String(++sequence).padStart(6, '0')}-${kind}-${id}.json`;
    const file = path.join(this.pendingDir, name);
    writeFileAtomic(file, JSON.stringify(record) + '\n', this.tmpDir);
    return file;
  }

  /** Pending file names in spooling order (cheap: one readdir). */
  pendingNames(): string[] {
    try {
      return fs
        .readdirSync(this.pendingDir)
        .filter((n) => n.endsWith('.json') && !n.startsWith('.'))
        .sort();
    } catch {
      return [];
    }
  }

  /** Records moved aside (rejected or quarantined), without the notes beside them. */
  asideNames(where: 'rejected' | 'quarantine'): string[] {
    try {
      return fs
        .readdirSync(where === 'rejected' ? this.rejectedDir : this.quarantineDir)
        .filter((n) => n.endsWith('.json') && !n.endsWith('.why.json') && !n.startsWith('.'))
        .sort();
    } catch {
      return [];
    }
  }

  /** When the oldest pending record was spooled (from its name), null when nothing is pending. */
  oldestPendingAt(): string | null {
    const first = this.pendingNames()[0];
    const ms = first ? Number(first.slice(0, 14)) : NaN;
    return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
  }

  hasPending(): boolean {
    return this.pendingNames().length > 0;
  }

  /** Reads pending records; files that are not a valid record are reported, not thrown. */
  read(names = this.pendingNames()): { entries: SpoolEntry[]; corrupt: SpoolReadProblem[] } {
    const entries: SpoolEntry[] = [];
    const corrupt: SpoolReadProblem[] = [];
    for (const name of names) {
      const file = path.join(this.pendingDir, name);
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; // another flush took it
        corrupt.push({ file, problem: `unreadable: ${(e as Error).message}` });
        continue;
      }
      const problem = validateRecord(text);
      if (typeof problem === 'string') corrupt.push({ file, problem });
      else entries.push({ file, record: problem });
    }
    return { entries, corrupt };
  }

  remove(file: string): void {
    try {
      fs.unlinkSync(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }

  /** Moves a file aside (rejected or quarantine) with a note of why; returns where it went. */
  moveAside(file: string, where: 'rejected' | 'quarantine', why: unknown): string | null {
    const dir = where === 'rejected' ? this.rejectedDir : this.quarantineDir;
    fs.mkdirSync(dir, { recursive: true });
    const target = path.join(dir, path.basename(file));
    try {
      fs.renameSync(file, target);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
    writeFileAtomic(`${target}.why.json`, JSON.stringify({ moved_at: new Date().toISOString(), why }, null, 2) + '\n', this.tmpDir);
    return target;
  }
}

function validateRecord(text: string): SpoolRecord | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return `not JSON: ${(e as Error).message}`;
  }
  const r = parsed as Partial<SpoolRecord> | null;
  if (!r || typeof r !== 'object') return 'not a spool record';
  if (r.v !== 1) return `unknown record version ${String(r.v)}`;
  if (r.kind !== 'event' && r.kind !== 'action' && r.kind !== 'run') return `unknown kind ${String(r.kind)}`;
  if (typeof r.id !== 'string' || !UUID.test(r.id)) return 'missing or malformed id';
  if (!r.body || typeof r.body !== 'object' || Array.isArray(r.body)) return 'missing body';
  if ((r.body as { id?: unknown }).id !== r.id) return 'body id does not match the record id';
  return r as SpoolRecord;
}
