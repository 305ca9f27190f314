'use client';

import { forwardRef, useEffect, useId, useRef, useState } from 'react';
import { useTranslations } from 'next-intl';
import { ApiError } from '@/components/lib/api';
import { useErrorText } from '@/components/lib/use-error-text';
import type { DecisionAnswer, RepairAction } from '@/components/lib/types';
import { type Decision, useDecideAction } from '@/components/hooks/use-repair-actions';
import { Button } from '@/components/ui/button';
import { Input } from '@/components/ui/field';

export interface DecisionOutcome {
  tone: 'success' | 'warning' | 'danger';
  title: string;
  description?: string;
}

type DecisionT = ReturnType<typeof useTranslations<'approvals.decision'>>;

/** What a decision came to, in words: shown in place (never a toast over the buttons). */
function describeDecision(t: DecisionT, action: Pick<RepairAction, 'action' | 'job_id'>, decision: Decision, res: DecisionAnswer): DecisionOutcome {
  const args = { action: action.action, job: action.job_id };
  return decision === 'approve'
    ? { tone: 'success', title: t('approved', args), description: res.lease ? t('approvedDetail', { state: res.lease.state, token: res.lease.fencing_token }) : undefined }
    : { tone: 'success', title: t('rejected', args), description: t('rejectedDetail') };
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
  const t = useTranslations('approvals.decision');
  const errorText = useErrorText();

  const decide = useDecideAction(action, {
    onSuccess: (res, { decision }) => onDecided(describeDecision(t, action, decision, res)),
    onError: (e) => {
      if (e instanceof ApiError && e.code === 'already_decided') {
        const d = (e.details ?? {}) as { decision?: string | null; decided_by?: string | null };
        const args = { action: action.action, job: action.job_id, verdict: d.decision ?? 'decided' };
        onAlreadyDecided(d.decided_by ? t('alreadyDecided', { ...args, by: d.decided_by }) : t('alreadyDecidedNoBy', args));
      } else {
        setFailure(errorText(e));
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
  const args = { action: action.action, job: action.job_id };
  const question =
    asking === 'approve'
      ? workerId
        ? t('confirmApprove', { ...args, worker: workerId })
        : t('confirmApproveNoWorker', args)
      : workerId
        ? t('confirmReject', { ...args, worker: workerId })
        : t('confirmRejectNoWorker', args);

  if (asking) {
    return (
      <div role="group" aria-labelledby={questionId} className="w-full space-y-3 rounded-lg border border-slate-300 bg-slate-50 p-3 lg:max-w-sm">
        <p id={questionId} className="text-sm font-semibold text-slate-900 [overflow-wrap:anywhere]">
          {question}
        </p>
        <div>
          <label htmlFor={noteId} className="mb-1 block text-xs font-medium text-slate-700">
            {t('noteLabel')}
          </label>
          <Input id={noteId} value={note} onChange={(e) => setNote(e.target.value)} maxLength={2000} placeholder={t('notePlaceholder')} />
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
            {t('confirm')}
          </Button>
          <Button
            disabled={busy}
            onClick={() => {
              returnFocus.current = asking;
              setAsking(null);
              setFailure(null);
            }}
          >
            {t('cancel')}
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
        aria-label={t('approveLabel', args)}
        data-decision="approve"
        onClick={() => setAsking('approve')}
        disabled={!canDecide}
        aria-describedby={canDecide ? undefined : readOnlyId}
        title={canDecide ? undefined : t('onlySupervisor')}
      >
        {t('approve')}
      </Button>
      <Button
        ref={rejectRef}
        variant="danger"
        aria-label={t('rejectLabel', args)}
        onClick={() => setAsking('reject')}
        disabled={!canDecide}
        aria-describedby={canDecide ? undefined : readOnlyId}
        title={canDecide ? undefined : t('onlySupervisor')}
      >
        {t('reject')}
      </Button>
    </div>
  );
});
