import type { JobStory } from '@/components/lib/types';

export type StoryKind = 'lease' | 'run' | 'event' | 'action' | 'check' | 'incident' | 'audit';

export type StoryItem =
  | { kind: 'lease'; at: string; key: string; entry: JobStory['lease_history'][number] }
  | { kind: 'run'; at: string; key: string; entry: JobStory['runs'][number] }
  | { kind: 'event'; at: string; key: string; entry: JobStory['events'][number] }
  | { kind: 'action'; at: string; key: string; entry: JobStory['actions'][number] }
  | { kind: 'check'; at: string; key: string; entry: JobStory['checks'][number] }
  | { kind: 'incident'; at: string; key: string; entry: JobStory['incidents'][number]; phase: 'opened' | 'resolved' }
  | { kind: 'audit'; at: string; key: string; entry: JobStory['audit'][number] };

const kindOrder: Record<StoryKind, number> = { lease: 0, run: 1, event: 2, check: 3, incident: 4, action: 5, audit: 6 };

/** One job's evidence as a single chronological story (stable order for equal times). */
export function buildStory(s: JobStory): StoryItem[] {
  const items: StoryItem[] = [
    ...s.lease_history.map((entry, i) => ({ kind: 'lease' as const, at: entry.at, key: `lease-${i}`, entry })),
    ...s.runs.map((entry) => ({ kind: 'run' as const, at: entry.started_at, key: `run-${entry.id}`, entry })),
    ...s.events.map((entry) => ({ kind: 'event' as const, at: entry.created_at, key: `event-${entry.id}`, entry })),
    ...s.actions.map((entry) => ({ kind: 'action' as const, at: entry.created_at, key: `action-${entry.id}`, entry })),
    ...s.checks.map((entry) => ({ kind: 'check' as const, at: entry.checked_at, key: `check-${entry.id}`, entry })),
    ...s.incidents.flatMap((entry) => [
      { kind: 'incident' as const, at: entry.detected_at, key: `incident-${entry.id}-open`, entry, phase: 'opened' as const },
      ...(entry.resolved_at ? [{ kind: 'incident' as const, at: entry.resolved_at, key: `incident-${entry.id}-resolved`, entry, phase: 'resolved' as const }] : []),
    ]),
    ...s.audit.map((entry) => ({ kind: 'audit' as const, at: entry.at, key: `audit-${entry.id}`, entry })),
  ];
  return items
    .map((item, i) => ({ item, i }))
    .sort((a, b) => a.item.at.localeCompare(b.item.at) || kindOrder[a.item.kind] - kindOrder[b.item.kind] || a.i - b.i)
    .map(({ item }) => item);
}

/** The kinds in the order of the timeline's filter; their names are messages `jobs.kinds.<kind>`. */
export const storyKinds: StoryKind[] = ['lease', 'run', 'event', 'action', 'check', 'incident', 'audit'];
