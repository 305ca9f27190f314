import path from 'node:path';
import { writeFileAtomic } from './files';

/** What the console sends back with a classified helper event (API.md "Learning memory"). */
export interface LearningNote {
  id: string;
  job_id: string | null;
  signal: string | null;
  learned: string[];
  next_worker_should_check: string[];
  assumptions_to_test: string[];
  source: string;
  created_by: string;
  created_at: string;
}

/** `<state_dir>/learnings.json`: helpers find it through WATCHDOG_LEARNINGS_FILE. */
export function learningsFilePath(stateDir: string): string {
  return path.join(stateDir, 'learnings.json');
}

/**
 * Writes what the console answered for the latest classified event, replacing the previous file (an
 * agent must not read advice about another signal): `{signal, job_id, phase, event_id, written_at,
 * learnings}` with `learnings` the console's list, newest first (possibly empty).
 */
export function writeLearningsFile(file: string, note: { signal: string; jobId: string; phase: string; eventId: string; learnings: LearningNote[] }): void {
  const body = {
    signal: note.signal,
    job_id: note.jobId,
    phase: note.phase,
    event_id: note.eventId,
    written_at: new Date().toISOString(),
    learnings: note.learnings,
  };
  writeFileAtomic(file, JSON.stringify(body, null, 2) + '\n');
}
