import type { Role } from '@/lib/watchdog/context';

const everyone: readonly Role[] = ['worker', 'system', 'supervisor', 'owner'];
const readers: readonly Role[] = ['system', 'supervisor', 'owner'];

/**
 * The one permission table: verb → roles allowed. The route wrapper enforces it; the
 * "own worker_id" rule for workers is enforced by `assertActsFor` in the domain.
 */
export const permissions = {
  'workerRuns.write': ['worker', 'system'],
  'leases.write': ['worker', 'system'],
  'leases.read': everyone,
  'helperEvents.write': ['worker', 'system'],
  'repairActions.write': ['worker', 'system', 'supervisor'],
  'repairActions.read': ['system', 'supervisor', 'owner'],
  'repairActions.decide': ['supervisor'],
  'artifactChecks.write': ['worker', 'system'],
  'jobs.complete': ['worker', 'system'],
  'jobs.read': everyone,
  'jobs.list': readers,
  'rules.read': everyone,
  'rules.write': ['owner'],
  'sweep.run': ['system', 'supervisor'],
  'tokens.manage': ['owner'],
  'users.manage': ['owner'],
  'incidents.read': readers,
  'metrics.read': ['supervisor', 'owner'],
  'd30.decide': ['owner'],
  'audit.read': ['supervisor', 'owner'],
  'prometheus.read': ['system', 'owner'],
  'overview.read': ['supervisor', 'owner'],
  'learnings.read': everyone,
  'learnings.write': ['supervisor', 'owner'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof permissions;

export function isAllowed(role: Role, permission: Permission): boolean {
  return (permissions[permission] as readonly Role[]).includes(role);
}
