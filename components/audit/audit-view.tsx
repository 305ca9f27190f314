'use client';

import Link from 'next/link';
import { Fragment, useState } from 'react';
import { errorMessage } from '@/components/lib/api';
import { formatNumber } from '@/components/lib/format';
import { useAudit, useAuditVerify } from '@/components/hooks/use-audit';
import type { AuditEntry } from '@/components/lib/types';
import { HashText } from '@/components/jobs/output-block';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { cn } from '@/components/ui/cn';
import { ChevronDownIcon, ChevronRightIcon, ScrollIcon, ShieldIcon } from '@/components/ui/icons';
import { LiveIndicator, PageHeader } from '@/components/ui/page-header';
import { EmptyState, ErrorState, InlineAlert, LoadingRows } from '@/components/ui/states';
import { RoleBadge } from '@/components/ui/status';
import { RelativeTime, Timestamp } from '@/components/ui/time';

function actionTone(action: string) {
  if (action.startsWith('access.') || action.endsWith('.refused')) return 'text-rose-700';
  if (action.startsWith('decision.') || action.startsWith('rules.') || action.startsWith('token.') || action.startsWith('user.')) return 'text-indigo-700';
  return 'text-slate-800';
}

function DetailsRow({ e }: { e: AuditEntry }) {
  return (
    <div className="grid gap-3 text-xs md:grid-cols-2">
      <div>
        <p className="mb-1 font-semibold uppercase tracking-wide text-slate-500">Details</p>
        <pre className="overflow-x-auto whitespace-pre-wrap break-all rounded-lg bg-slate-950 p-3 font-mono text-[11px] leading-relaxed text-slate-100">{JSON.stringify(e.details, null, 2)}</pre>
      </div>
      <dl className="grid grid-cols-[auto_1fr] content-start gap-x-3 gap-y-1.5">
        <dt className="text-slate-500">At</dt>
        <dd>
          <Timestamp iso={e.at} />
        </dd>
        <dt className="text-slate-500">Target</dt>
        <dd className="break-all font-mono">{e.target ?? '—'}</dd>
        <dt className="text-slate-500">Output</dt>
        <dd>
          <HashText hash={e.output_hash} />
        </dd>
        <dt className="text-slate-500">Previous</dt>
        <dd>
          <HashText hash={e.prev_hash} />
        </dd>
        <dt className="text-slate-500">Hash</dt>
        <dd>
          <HashText hash={e.hash} />
        </dd>
      </dl>
    </div>
  );
}

export function AuditView() {
  const [open, setOpen] = useState<Set<number>>(new Set());
  const q = useAudit();
  const verify = useAuditVerify();
  const entries = q.data?.pages.flatMap((p) => p.entries) ?? [];
  const toggle = (id: number) =>
    setOpen((s) => {
      const n = new Set(s);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });

  return (
    <>
      <PageHeader
        title="Audit log"
        description="Every change, decision and refused call, hash-chained: each entry commits to the one before it, so an edited or deleted entry breaks the chain."
        actions={
          <>
            {q.data ? <LiveIndicator updatedAt={q.dataUpdatedAt} fetching={q.isFetching} failed={q.isRefetchError} /> : null}
            <Button variant="primary" onClick={() => verify.mutate()} loading={verify.isPending}>
              <ShieldIcon /> Verify chain
            </Button>
          </>
        }
      />
      <div className="space-y-4">
        {verify.isSuccess ? (
          verify.data.ok ? (
            <InlineAlert tone="success" title="Chain intact" onDismiss={() => verify.reset()}>
              All {formatNumber(verify.data.checked)} entries were recomputed and link correctly.
            </InlineAlert>
          ) : (
            <InlineAlert tone="danger" title={`Chain broken at entry #${verify.data.first_bad_id}`} onDismiss={() => verify.reset()}>
              {verify.data.reason}. {formatNumber(verify.data.checked)} entries before it check out.
            </InlineAlert>
          )
        ) : null}
        {verify.isError ? (
          <InlineAlert title="Verification did not run" onDismiss={() => verify.reset()}>
            {errorMessage(verify.error)}
          </InlineAlert>
        ) : null}
        <Card>
          {q.isPending ? (
            <LoadingRows rows={8} label="Loading the audit log" />
          ) : q.isError ? (
            <ErrorState error={q.error} onRetry={() => void q.refetch()} />
          ) : entries.length === 0 ? (
            <EmptyState icon={<ScrollIcon />} title="The audit log is empty" description="Entries appear with the first rule change, decision, token or refused call." />
          ) : (
            <>
              <div className="overflow-x-auto">
                <table className="min-w-full text-sm">
                  <thead>
                    <tr className="border-b border-slate-100 text-left text-xs font-medium uppercase tracking-wide text-slate-500">
                      <th scope="col" className="w-8 py-2.5 pl-4 sm:pl-5">
                        <span className="sr-only">Expand</span>
                      </th>
                      <th scope="col" className="hidden px-3 py-2.5 sm:table-cell">
                        #
                      </th>
                      <th scope="col" className="px-3 py-2.5">
                        When
                      </th>
                      <th scope="col" className="px-3 py-2.5">
                        Action
                      </th>
                      <th scope="col" className="hidden px-3 py-2.5 sm:table-cell">
                        Actor
                      </th>
                      <th scope="col" className="hidden px-3 py-2.5 md:table-cell">
                        Job
                      </th>
                      <th scope="col" className="hidden px-5 py-2.5 lg:table-cell">
                        Hash
                      </th>
                    </tr>
                  </thead>
                  <tbody className="divide-y divide-slate-100">
                    {entries.map((e) => {
                      const expanded = open.has(e.id);
                      return (
                        <Fragment key={e.id}>
                          <tr className={cn('hover:bg-slate-50', expanded && 'bg-slate-50')}>
                            <td className="py-2.5 pl-4 sm:pl-5">
                              <button
                                type="button"
                                onClick={() => toggle(e.id)}
                                aria-expanded={expanded}
                                aria-label={`${expanded ? 'Hide' : 'Show'} details of entry ${e.id}`}
                                className="rounded p-1 text-slate-400 hover:bg-slate-200 hover:text-slate-700"
                              >
                                {expanded ? <ChevronDownIcon /> : <ChevronRightIcon />}
                              </button>
                            </td>
                            <td className="hidden px-3 py-2.5 font-mono text-xs tabular-nums text-slate-500 sm:table-cell">{e.id}</td>
                            <td className="whitespace-nowrap px-3 py-2.5 text-slate-600">
                              <RelativeTime iso={e.at} />
                            </td>
                            <td className="px-3 py-2.5">
                              <span className={cn('font-mono text-xs font-medium', actionTone(e.action))}>{e.action}</span>
                              <span className="mt-0.5 block max-w-[12rem] truncate text-xs text-slate-500 sm:hidden">{e.actor}</span>
                            </td>
                            <td className="hidden px-3 py-2.5 sm:table-cell">
                              <span className="flex items-center gap-2">
                                <RoleBadge role={e.actor_role} />
                                <span className="max-w-[14rem] truncate text-xs text-slate-600" title={e.actor}>
                                  {e.actor}
                                </span>
                              </span>
                            </td>
                            <td className="hidden px-3 py-2.5 md:table-cell">
                              {e.job_id ? (
                                <Link href={`/jobs/${encodeURIComponent(e.job_id)}`} className="font-mono text-xs text-indigo-700 hover:underline">
                                  {e.job_id}
                                </Link>
                              ) : (
                                <span className="text-slate-300">—</span>
                              )}
                            </td>
                            <td className="hidden px-5 py-2.5 lg:table-cell">
                              <HashText hash={e.hash} />
                            </td>
                          </tr>
                          {expanded ? (
                            <tr className="bg-slate-50">
                              <td colSpan={7} className="px-4 pb-4 pt-1 sm:px-5">
                                <DetailsRow e={e} />
                              </td>
                            </tr>
                          ) : null}
                        </Fragment>
                      );
                    })}
                  </tbody>
                </table>
              </div>
              <div className="flex items-center justify-between border-t border-slate-100 px-4 py-3 sm:px-5">
                <p className="text-xs text-slate-500">{formatNumber(entries.length)} entries shown, newest first</p>
                {q.hasNextPage ? (
                  <Button size="sm" onClick={() => void q.fetchNextPage()} loading={q.isFetchingNextPage}>
                    Load older entries
                  </Button>
                ) : (
                  <span className="text-xs text-slate-400">Start of the chain</span>
                )}
              </div>
            </>
          )}
        </Card>
      </div>
    </>
  );
}
