import { useTranslations } from 'next-intl';
import type { LeaseJson } from '@/components/lib/types';
import { Badge } from '@/components/ui/badge';
import { cn } from '@/components/ui/cn';
import { LeaseStateBadge, RiskBadge } from '@/components/ui/status';
import { RelativeTime } from '@/components/ui/time';

/**
 * A lease at a glance: state and risk, holder, fencing token, expiry and heartbeat — and, in the job
 * story (`full`), when it was acquired, completed and whether it waits for another worker.
 */
export function LeaseFacts({ lease, full = false, hideRisk = false, className }: { lease: LeaseJson; full?: boolean; hideRisk?: boolean; className?: string }) {
  const t = useTranslations('jobs.lease');
  return (
    <dl className={cn('grid grid-cols-[auto_minmax(0,1fr)] text-sm', className)}>
      <dt className="text-slate-600">{t('state')}</dt>
      <dd className="flex flex-wrap gap-1.5">
        <LeaseStateBadge state={lease.state} />
        {hideRisk ? null : <RiskBadge risk={lease.risk_level} />}
      </dd>
      <dt className="text-slate-600">{t('holder')}</dt>
      <dd className="min-w-0 font-mono text-xs leading-5 [overflow-wrap:anywhere]">{lease.worker_id}</dd>
      <dt className="text-slate-600">{t('fencingToken')}</dt>
      <dd className="font-mono text-xs leading-5" data-testid="fencing-token">
        {lease.fencing_token}
      </dd>
      <dt className="text-slate-600">{t('expires')}</dt>
      <dd>
        <RelativeTime iso={lease.lease_expires_at} />
      </dd>
      <dt className="text-slate-600">{t('heartbeat')}</dt>
      <dd>
        <RelativeTime iso={lease.last_heartbeat_at} />
      </dd>
      {full ? (
        <>
          <dt className="text-slate-600">{t('acquired')}</dt>
          <dd>
            <RelativeTime iso={lease.acquired_at} />
          </dd>
          {lease.completed_at ? (
            <>
              <dt className="text-slate-600">{t('completed')}</dt>
              <dd>
                <RelativeTime iso={lease.completed_at} />
              </dd>
            </>
          ) : null}
          {lease.ready_for_reclaim ? (
            <>
              <dt className="text-slate-600">{t('queue')}</dt>
              <dd>
                <Badge tone="accent">{t('readyForReclaim')}</Badge>
              </dd>
            </>
          ) : null}
        </>
      ) : null}
    </dl>
  );
}
