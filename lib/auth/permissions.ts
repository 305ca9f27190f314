import { EVIDENCE_ROLES, READER_ROLES, type Role, ROLES, USER_ROLES } from '@/lib/schemas/enums';

const everyone = ROLES;
const readers = READER_ROLES;
const people = USER_ROLES;
const evidence = EVIDENCE_ROLES;

/**
 * The one permission table: verb → roles allowed. The route wrapper enforces it; the
 * "own worker_id" rule for workers is enforced by `assertActsFor` in the domain.
 */
export const permissions = {
  'workerRuns.write': evidence,
  'leases.write': evidence,
  'leases.read': everyone,
  'helperEvents.write': evidence,
  'repairActions.write': ['worker', 'system', 'supervisor'],
  'repairActions.read': readers,
  'repairActions.decide': ['supervisor'],
  'artifactChecks.write': evidence,
  'jobs.complete': evidence,
  'jobs.read': everyone,
  'jobs.list': readers,
  'rules.read': everyone,
  'rules.write': ['owner'],
  'rules.preview': ['supervisor', 'owner'],
  'sweep.run': ['system', 'supervisor'],
  'tokens.manage': ['owner'],
  'users.manage': ['owner'],
  'incidents.read': readers,
  'incidents.handle': ['supervisor', 'owner'],
  'silences.read': ['supervisor', 'owner'],
  'silences.write': ['supervisor', 'owner'],
  'channels.read': ['supervisor', 'owner'],
  'channels.manage': ['owner'],
  'notifications.read': ['supervisor', 'owner'],
  'metrics.read': people,
  'd30.decide': ['owner'],
  'audit.read': people,
  'prometheus.read': ['system', 'owner'],
  'overview.read': people,
  'runner.download': everyone,
  'workers.list': readers,
  'workers.read': everyone,
  'learnings.read': everyone,
  'learnings.write': ['supervisor', 'owner'],
  'live.read': readers,
  'me.manage': people,
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof permissions;

export function isAllowed(role: Role, permission: Permission): boolean {
  return (permissions[permission] as readonly Role[]).includes(role);
}
