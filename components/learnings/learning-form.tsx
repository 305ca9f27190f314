'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ApiError, apiFetch, errorMessage } from '@/components/lib/api';
import { signalLabel, signalOrder } from '@/components/lib/format';
import type { Learning } from '@/components/lib/types';
import { Button } from '@/components/ui/button';
import { Input, Label, Select } from '@/components/ui/field';
import { InlineAlert } from '@/components/ui/states';
import { useToast } from '@/components/ui/toast';
import { ListEditor } from './list-editor';

const clean = (items: string[]) => items.map((s) => s.trim()).filter(Boolean);

/** "Add learning": what was learned, what the next worker should check, which assumptions to test. */
export function LearningForm({ jobId: initialJob = '', signal: initialSignal = '', onDone }: { jobId?: string; signal?: string; onDone: () => void }) {
  const toast = useToast();
  const qc = useQueryClient();
  const [jobId, setJobId] = useState(initialJob);
  const [signal, setSignal] = useState(initialSignal);
  const [learned, setLearned] = useState<string[]>(['']);
  const [checks, setChecks] = useState<string[]>(['']);
  const [assumptions, setAssumptions] = useState<string[]>(['']);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const save = useMutation({
    mutationFn: () =>
      apiFetch<{ learning: Learning }>('/api/watchdog/learnings', {
        method: 'POST',
        body: {
          ...(jobId.trim() ? { job_id: jobId.trim() } : {}),
          ...(signal ? { signal } : {}),
          learned: clean(learned),
          next_worker_should_check: clean(checks),
          assumptions_to_test: clean(assumptions),
        },
      }),
    onSuccess: () => {
      toast({ tone: 'success', title: 'Learning added', description: signal ? `Workers that hit ${signalLabel(signal)} will get it with their next classified event.` : 'It is listed on this page.' });
      void qc.invalidateQueries({ queryKey: ['learnings'] });
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
    if (!clean(learned).length) {
      setFieldErrors({ learned: 'Write at least one thing that was learned.' });
      return;
    }
    setFieldErrors({});
    save.mutate();
  };
  return (
    <form onSubmit={submit} aria-label="Add learning" className="space-y-5">
      <div className="grid gap-4 sm:grid-cols-2">
        <div>
          <Label htmlFor="learning-job" hint="(optional)">
            Job
          </Label>
          <Input id="learning-job" value={jobId} onChange={(e) => setJobId(e.target.value)} placeholder="job id" aria-invalid={Boolean(fieldErrors.job_id) || undefined} aria-describedby={fieldErrors.job_id ? 'learning-job-error' : undefined} />
          {fieldErrors.job_id ? (
            <p id="learning-job-error" className="mt-1.5 text-sm text-rose-600">
              {fieldErrors.job_id}
            </p>
          ) : null}
        </div>
        <div>
          <Label htmlFor="learning-signal" hint="(optional)">
            Signal
          </Label>
          <Select id="learning-signal" value={signal} onChange={(e) => setSignal(e.target.value)}>
            <option value="">No signal</option>
            {signalOrder.map((s) => (
              <option key={s} value={s}>
                {signalLabel(s)}
              </option>
            ))}
          </Select>
        </div>
      </div>
      <ListEditor id="learning-learned" label="What was learned" hint="(at least one)" items={learned} onChange={setLearned} error={fieldErrors.learned} required />
      <ListEditor id="learning-checks" label="What the next worker should check" hint="(sent to workers with the signal)" items={checks} onChange={setChecks} error={fieldErrors.next_worker_should_check} />
      <ListEditor id="learning-assumptions" label="Assumptions to test" items={assumptions} onChange={setAssumptions} error={fieldErrors.assumptions_to_test} />
      {save.isError && !Object.keys(fieldErrors).length ? <InlineAlert title="The learning was not saved">{errorMessage(save.error)}</InlineAlert> : null}
      <div className="flex flex-wrap gap-2">
        <Button type="submit" variant="primary" loading={save.isPending}>
          Save learning
        </Button>
        <Button onClick={onDone}>Cancel</Button>
      </div>
    </form>
  );
}
