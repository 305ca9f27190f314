'use client';

import { errorMessage } from '@/components/lib/api';
import { formatTimestamp, signalLabel } from '@/components/lib/format';
import { useEndSilence, useSilences } from '@/components/hooks/use-silences';
import type { Silence } from '@/components/lib/types';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { ClockIcon } from '@/components/ui/icons';
import { LiveIndicator, PageHeader } from '@/components/ui/page-header';
import { EmptyState, ErrorState, LoadingRows } from '@/components/ui/states';
import { useToast } from '@/components/ui/toast';

const groups = [
  { state: 'active', title: 'Active', description: 'Matching incidents are recorded but nobody is notified.' },
  { state: 'pending', title: 'Pending', description: 'Start later.' },
  { state: 'expired', title: 'Expired', description: 'Ended or ran out; kept for the record.' },
] as const;

function matcherText(s: Silence): string {
  const m = s.matchers;
  return [m.signal ? `signal ${signalLabel(m.signal)}` : null, m.worker_id ? `worker ${m.worker_id}` : null, m.job_id ? `job ${m.job_id}` : null].filter(Boolean).join(' · ');
}

/** Silences: active, pending and expired, who made them and why; "End now" for the ones still running. */
export function SilencesView({ canAct }: { canAct: boolean }) {
  const toast = useToast();
  const q = useSilences();
  const end = useEndSilence({
    onSuccess: () => toast({ tone: 'success', title: 'Silence ended', description: 'New incidents that match notify again.' }),
    onError: (e) => toast({ tone: 'danger', title: 'Not ended', description: errorMessage(e) }),
  });
  return (
    <>
      <PageHeader
        title="Silences"
        description="A silence quiets the messages about matching incidents for a while — never the detection, the evidence, the repairs or the D30 figures. Create one from an incident (“Silence…”)."
        actions={q.data ? <LiveIndicator updatedAt={q.dataUpdatedAt} fetching={q.isFetching} failed={q.isRefetchError} /> : null}
      />
      {q.isPending ? (
        <Card>
          <LoadingRows rows={4} label="Loading silences" />
        </Card>
      ) : q.isError ? (
        <Card>
          <ErrorState error={q.error} onRetry={() => void q.refetch()} />
        </Card>
      ) : (
        <div className="space-y-6">
          {groups.map((g) => {
            const list = q.data.silences.filter((s) => s.state === g.state);
            return (
              <Card key={g.state} aria-labelledby={`silences-${g.state}`}>
                <CardHeader id={`silences-${g.state}`} title={`${g.title} (${list.length})`} description={g.description} />
                {list.length === 0 ? (
                  <EmptyState icon={<ClockIcon />} title={`No ${g.state} silences`} className="py-6" />
                ) : (
                  <ul className="divide-y divide-slate-100" aria-label={`${g.title} silences`}>
                    {list.map((s) => (
                      <li key={s.id} className="flex flex-col gap-2 px-4 py-3 sm:flex-row sm:items-center sm:px-5">
                        <div className="min-w-0 flex-1">
                          <p className="flex flex-wrap items-center gap-2 text-sm font-medium text-slate-900">
                            <span className="break-all">{matcherText(s)}</span>
                            <Badge tone={s.state === 'active' ? 'info' : s.state === 'pending' ? 'warning' : 'muted'}>{s.state}</Badge>
                          </p>
                          <p className="mt-0.5 break-words text-sm text-slate-700">{s.comment}</p>
                          <p className="mt-0.5 text-xs text-slate-500">
                            by {s.created_by} · {formatTimestamp(s.starts_at)} → {formatTimestamp(s.ends_at)}
                            {s.ended_by ? ` · ended by ${s.ended_by}` : ''}
                          </p>
                        </div>
                        {s.state !== 'expired' ? (
                          <Button
                            size="sm"
                            variant="danger"
                            disabled={!canAct}
                            loading={end.isPending && end.variables === s.id}
                            onClick={() => end.mutate(s.id)}
                            aria-label={`End now: ${matcherText(s)}`}
                          >
                            End now
                          </Button>
                        ) : null}
                      </li>
                    ))}
                  </ul>
                )}
              </Card>
            );
          })}
        </div>
      )}
    </>
  );
}
