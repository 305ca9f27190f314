'use client';

import { useTranslations } from 'next-intl';
import { useState } from 'react';
import { type NewLearning, useCreateLearning } from '@/components/hooks/use-learnings';
import { ApiError } from '@/components/lib/api';
import { signalOrder } from '@/components/lib/format';
import { useErrorText } from '@/components/lib/use-error-text';
import { useFormat } from '@/components/lib/use-format';
import { Button } from '@/components/ui/button';
import { Input, Label, Select } from '@/components/ui/field';
import { InlineAlert } from '@/components/ui/states';
import { useToast } from '@/components/ui/toast';
import { cleanItems, ListEditor } from './list-editor';

/** "Add learning": what was learned, what the next worker should check, which assumptions to test. */
export function LearningForm({ jobId: initialJob = '', signal: initialSignal = '', onDone }: { jobId?: string; signal?: string; onDone: () => void }) {
  const toast = useToast();
  const t = useTranslations('learnings');
  const tc = useTranslations('common');
  const f = useFormat();
  const errorText = useErrorText();
  const [jobId, setJobId] = useState(initialJob);
  const [signal, setSignal] = useState(initialSignal);
  const [learned, setLearned] = useState<string[]>(['']);
  const [checks, setChecks] = useState<string[]>(['']);
  const [assumptions, setAssumptions] = useState<string[]>(['']);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const save = useCreateLearning({
    onSuccess: () => {
      toast({ tone: 'success', title: t('form.added'), description: signal ? t('form.addedSignal', { signal: f.signal(signal) }) : t('form.addedListed') });
      onDone();
    },
    onError: (e) => {
      const errors: Record<string, string> = {};
      if (e instanceof ApiError) for (const f of e.fieldErrors) errors[f.path.split('.')[0]] ??= f.message;
      setFieldErrors(errors);
    },
  });
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    if (!cleanItems(learned).length) {
      setFieldErrors({ learned: t('form.learnedRequired') });
      return;
    }
    setFieldErrors({});
    save.mutate({
      ...(jobId.trim() ? { job_id: jobId.trim() } : {}),
      ...(signal ? { signal: signal as NewLearning['signal'] } : {}),
      learned: cleanItems(learned),
      next_worker_should_check: cleanItems(checks),
      assumptions_to_test: cleanItems(assumptions),
    });
  };
  return (
    <form onSubmit={submit} aria-label={t('add')} className="space-y-5">
      <div className="grid gap-4 sm:grid-cols-2">
        <div>
          <Label htmlFor="learning-job" hint={t('form.optional')}>
            {t('form.job')}
          </Label>
          <Input
            id="learning-job"
            value={jobId}
            onChange={(e) => setJobId(e.target.value)}
            placeholder={t('form.jobPlaceholder')}
            aria-invalid={Boolean(fieldErrors.job_id) || undefined}
            aria-describedby={fieldErrors.job_id ? 'learning-job-error' : undefined}
          />
          {fieldErrors.job_id ? (
            <p id="learning-job-error" className="mt-1.5 text-sm text-rose-600">
              {fieldErrors.job_id}
            </p>
          ) : null}
        </div>
        <div>
          <Label htmlFor="learning-signal" hint={t('form.optional')}>
            {t('signal')}
          </Label>
          <Select id="learning-signal" value={signal} onChange={(e) => setSignal(e.target.value)}>
            <option value="">{t('form.noSignal')}</option>
            {signalOrder.map((s) => (
              <option key={s} value={s}>
                {f.signal(s)}
              </option>
            ))}
          </Select>
        </div>
      </div>
      <ListEditor id="learning-learned" label={t('form.learned')} hint={t('form.learnedHint')} items={learned} onChange={setLearned} error={fieldErrors.learned} required />
      <ListEditor id="learning-checks" label={t('form.checks')} hint={t('form.checksHint')} items={checks} onChange={setChecks} error={fieldErrors.next_worker_should_check} />
      <ListEditor id="learning-assumptions" label={t('assumptions')} items={assumptions} onChange={setAssumptions} error={fieldErrors.assumptions_to_test} />
      {save.isError && !Object.keys(fieldErrors).length ? <InlineAlert title={t('form.notSaved')}>{errorText(save.error)}</InlineAlert> : null}
      <div className="flex flex-wrap gap-2">
        <Button type="submit" variant="primary" loading={save.isPending}>
          {t('form.save')}
        </Button>
        <Button onClick={onDone}>{tc('cancel')}</Button>
      </div>
    </form>
  );
}
