'use client';

import { forwardRef, useEffect, useId, useRef, useState } from 'react';
import { ApiError, errorMessage } from '@/components/lib/api';
import type { DecisionAnswer, RepairAction } from '@/components/lib/types';
import { type Decision, useDecideAction } from '@/components/hooks/use-repair-actions';
import { Button } from '@/components/ui/button';
import { Input } from '@/components/ui/field';

/** The words of a decision, whole sentences with placeholders (easy to extract for translation later). */
export const decisionText = {
  confirmApprove: (action: string, job: string, worker: string | null) =>
    worker
      ? action === 'reclaim'
        ? `Reclaim ${job} from ${worker}?`
        : `Release ${job} from ${worker}?`
      : action === 'reclaim'
        ? `Reclaim ${job}? No worker holds its lease.`
        : `Release ${job}? No worker holds its lease.`,
  confirmReject: (action: string, job: string, worker: string | null) =>
    worker
      ? action === 'reclaim'
        ? `Reject the reclaim of ${job}? ${worker} keeps the job.`
        : `Reject the release of ${job}? ${worker} keeps the job.`
      : action === 'reclaim'
        ? `Reject the reclaim of ${job}?`
        : `Reject the release of ${job}?`,
  approved: (action: string, job: string) => (action === 'reclaim' ? `Reclaim of ${job} approved` : `Release of ${job} approved`),
  rejected: (action: string, job: string) => (action === 'reclaim' ? `Reclaim of ${job} rejected` : `Release of ${job} rejected`),
  approvedDetail: (state: string, token: number) => `The lease is ${state}, fencing token now ${token}. The old holder is fenced off.`,
  rejectedDetail: () => 'The lease stays as it is.',
  alreadyDecided: (action: string, job: string, verdict: string, by: string | null) =>
    by
      ? `The ${action} of job ${job} was already ${verdict} by ${by}. Nothing changed; the list is up to date.`
      : `The ${action} of job ${job} was already ${verdict}. Nothing changed; the list is up to date.`,
  onlySupervisor: 'Only a supervisor can decide',
  approveLabel: (action: string, job: string) => (action === 'reclaim' ? `Approve the reclaim of ${job}` : `Approve the release of ${job}`),
  rejectLabel: (action: string, job: string) => (action === 'reclaim' ? `Reject the reclaim of ${job}` : `Reject the release of ${job}`),
};

export interface DecisionOutcome {
  tone: 'success' | 'warning' | 'danger';
  title: string;
  description?: string;
}

/** What a decision came to, in words: shown in place (never a toast over the buttons). */
export function describeDecision(action: Pick<RepairAction, 'action' | 'job_id'>, decision: Decision, res: DecisionAnswer): DecisionOutcome {
  return decision === 'approve'
    ? { tone: 'success', title: decisionText.approved(action.action, action.job_id), description: res.lease ? decisionText.approvedDetail(res.lease.state, res.lease.fencing_token) : undefined }
    : { tone: 'success', title: decisionText.rejected(action.action, action.job_id), description: decisionText.rejectedDetail() };
}

/**
 * Approve / Reject of one pending release or reclaim, each asking in place first: "Release job-4142
 * from w-bravo?" with Confirm and Cancel (and an optional note for the audit log). Focus goes to
 * Confirm when the question opens, back to the button that opened it on Cancel; after a decision
 * the caller moves it on (`onDecided`).
 */
export const DecisionControls = forwardRef<
  HTMLButtonElement,
  {
    action: RepairAction;
    /** the worker holding the job's lease now, named in the question */
    workerId: string | null;
    canDecide: boolean;
    readOnlyId?: string;
    onDecided: (outcome: DecisionOutcome) => void;
    onAlreadyDecided: (message: string) => void;
  }
>(function DecisionControls({ action, workerId, canDecide, readOnlyId, onDecided, onAlreadyDecided }, approveRef) {
  const [asking, setAsking] = useState<Decision | null>(null);
  const [note, setNote] = useState('');
  const [failure, setFailure] = useState<string | null>(null);
  const noteId = useId();
  const questionId = useId();
  const confirmRef = useRef<HTMLButtonElement>(null);
  const rejectRef = useRef<HTMLButtonElement>(null);
  const localApproveRef = useRef<HTMLButtonElement | null>(null);
  const returnFocus = useRef<Decision | null>(null);

  const decide = useDecideAction(action, {
    onSuccess: (res, { decision }) => onDecided(describeDecision(action, decision, res)),
    onError: (e) => {
      if (e instanceof ApiError && e.code === 'already_decided') {
        const d = (e.details ?? {}) as { decision?: string | null; decided_by?: string | null };
        const verdict = d.decision === 'approve' ? 'approved' : d.decision === 'reject' ? 'rejected' : 'decided';
        onAlreadyDecided(decisionText.alreadyDecided(action.action, action.job_id, verdict, d.decided_by ?? null));
      } else {
        setFailure(errorMessage(e));
      }
    },
  });

  useEffect(() => {
    if (asking) confirmRef.current?.focus();
    else if (returnFocus.current) {
      (returnFocus.current === 'approve' ? localApproveRef.current : rejectRef.current)?.focus();
      returnFocus.current = null;
    }
  }, [asking]);

  const busy = decide.isPending;
  const question = asking === 'approve' ? decisionText.confirmApprove(action.action, action.job_id, workerId) : decisionText.confirmReject(action.action, action.job_id, workerId);

  if (asking) {
    return (
      <div role="group" aria-labelledby={questionId} className="w-full space-y-3 rounded-lg border border-slate-300 bg-slate-50 p-3 lg:max-w-sm">
        <p id={questionId} className="text-sm font-semibold text-slate-900 [overflow-wrap:anywhere]">
          {question}
        </p>
        <div>
          <label htmlFor={noteId} className="mb-1 block text-xs font-medium text-slate-700">
            Note (optional, kept in the audit log)
          </label>
          <Input id={noteId} value={note} onChange={(e) => setNote(e.target.value)} maxLength={2000} placeholder="e.g. worker confirmed dead on host" />
        </div>
        {failure ? (
          <p role="alert" className="text-sm text-rose-700">
            {failure}
          </p>
        ) : null}
        <div className="flex flex-wrap gap-2">
          <Button
            ref={confirmRef}
            variant={asking === 'approve' ? 'success' : 'danger'}
            loading={busy}
            onClick={() => {
              setFailure(null);
              decide.mutate({ decision: asking, note });
            }}
          >
            Confirm
          </Button>
          <Button
            disabled={busy}
            onClick={() => {
              returnFocus.current = asking;
              setAsking(null);
              setFailure(null);
            }}
          >
            Cancel
          </Button>
        </div>
      </div>
    );
  }

  return (
    <div className="flex gap-2">
      <Button
        ref={(el) => {
          localApproveRef.current = el;
          if (typeof approveRef === 'function') approveRef(el);
          else if (approveRef) approveRef.current = el;
        }}
        variant="success"
        aria-label={decisionText.approveLabel(action.action, action.job_id)}
        onClick={() => setAsking('approve')}
        disabled={!canDecide}
        aria-describedby={canDecide ? undefined : readOnlyId}
        title={canDecide ? undefined : decisionText.onlySupervisor}
      >
        Approve
      </Button>
      <Button
        ref={rejectRef}
        variant="danger"
        aria-label={decisionText.rejectLabel(action.action, action.job_id)}
        onClick={() => setAsking('reject')}
        disabled={!canDecide}
        aria-describedby={canDecide ? undefined : readOnlyId}
        title={canDecide ? undefined : decisionText.onlySupervisor}
      >
        Reject
      </Button>
    </div>
  );
});
