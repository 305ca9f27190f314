/** How often live views poll while the live stream is down (pollWhileOffline); while it is up, changes arrive within a second. */
export const LIVE_MS = 5_000;
export const SLOW_MS = 15_000;

/** Every react-query key the console uses, in one place, so a mutation invalidates exactly what it changed. */
export const queryKeys = {
  overview: ['overview'] as const,
  pending: ['repair-actions', 'pending'] as const,
  decided: ['repair-actions', 'decided'] as const,
  jobs: (q: string) => ['jobs', q] as const,
  job: (id: string) => ['job', id] as const,
  /** every incidents page, every incident, every job story: an on-call action changes them all */
  incidentsAll: ['incidents'] as const,
  incidentAll: ['incident'] as const,
  jobAll: ['job'] as const,
  incidents: (filters: string, cursor = '') => ['incidents', filters, cursor] as const,
  incident: (id: string) => ['incident', id] as const,
  silences: ['silences'] as const,
  channels: ['channels'] as const,
  rules: ['rules'] as const,
  ruleVersions: ['rules', 'versions'] as const,
  /** every D30 window: a recorded decision changes them all */
  d30All: ['d30'] as const,
  d30: (from: string, to: string) => ['d30', from, to] as const,
  audit: ['audit'] as const,
  tokens: ['tokens'] as const,
  people: ['people'] as const,
  workers: (includeRetired: boolean) => ['workers', includeRetired] as const,
  worker: (id: string) => ['worker', id] as const,
  learningsAll: ['learnings'] as const,
  learnings: (signal: string, worker: string, job: string) => ['learnings', signal, worker, job] as const,
};
