'use client';

import { useTranslations } from 'next-intl';
import type { Rule } from '@/components/lib/types';
import { Badge } from '@/components/ui/badge';
import { cn } from '@/components/ui/cn';
import { Input, Select } from '@/components/ui/field';
import { SignalBadge } from '@/components/ui/status';
import enRules from '@/lib/i18n/messages/en/rules.json';
import { paramUnits, primaryParams, type RuleDraft, type RuleProblem } from './rule-form';
import { useProblemText } from './use-problem-text';

type KnownSignal = keyof typeof enRules.repair;

/** An on/off switch: a checkbox with role="switch", labelled by the caller. */
function Switch({ id, checked, onChange, disabled, describedBy }: { id: string; checked: boolean; onChange: (v: boolean) => void; disabled?: boolean; describedBy?: string }) {
  return (
    <button
      id={id}
      type="button"
      role="switch"
      aria-checked={checked}
      aria-describedby={describedBy}
      disabled={disabled}
      onClick={() => onChange(!checked)}
      className={cn(
        'relative inline-flex h-6 w-11 shrink-0 items-center rounded-full transition-colors focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:cursor-not-allowed disabled:opacity-60',
        checked ? 'bg-indigo-600' : 'bg-slate-300',
      )}
    >
      <span aria-hidden className={cn('inline-block size-5 rounded-full bg-white shadow transition-transform', checked ? 'translate-x-5' : 'translate-x-0.5')} />
    </button>
  );
}

/** One rule: enabled switch, severity, every numeric param (the primary one is the threshold), repair and escalation. */
export function RuleRow({
  rule,
  draft,
  errors,
  canEdit,
  readOnlyId,
  onChange,
}: {
  rule: Rule;
  draft: RuleDraft | undefined;
  errors: Record<string, RuleProblem> | undefined;
  canEdit: boolean;
  readOnlyId: string;
  onChange: (next: RuleDraft) => void;
}) {
  const t = useTranslations('rules');
  const problemText = useProblemText();
  if (!draft) return null;
  const s = rule.signal;
  const known = (Object.hasOwn(enRules.repair, s) ? s : null) as KnownSignal | null;
  // the contract's default repair and escalation texts are translated; a text changed through the API is shown as is
  const autoRepair = known && rule.auto_repair === enRules.repair[known].auto ? t(`repair.${known}.auto`) : rule.auto_repair;
  const escalate = known && rule.escalate === enRules.repair[known].escalate ? t(`repair.${known}.escalate`) : rule.escalate;
  const severityText = (v: string) => (v === 'warning' || v === 'critical' ? t(`severity.${v}`) : v);
  const primary = primaryParams[s];
  const describe = (...ids: (string | null | false | undefined)[]) => ids.filter(Boolean).join(' ') || undefined;
  return (
    <li className={cn('grid grid-cols-1 gap-4 px-4 py-4 sm:px-5 lg:grid-cols-[12rem_1fr_16rem] lg:gap-6', !draft.enabled && 'bg-slate-50')}>
      <div className="space-y-2">
        <div className="flex items-center justify-between gap-2 lg:block">
          <SignalBadge signal={s} />
          <p className="font-mono text-[11px] text-slate-500 lg:mt-1">{s}</p>
        </div>
        <div className="flex items-center gap-2">
          <Switch id={`enabled-${s}`} checked={draft.enabled} disabled={!canEdit} onChange={(enabled) => onChange({ ...draft, enabled })} describedBy={canEdit ? undefined : readOnlyId} />
          <label htmlFor={`enabled-${s}`} className="text-sm text-slate-700">
            <span className="sr-only">{t('row.detect', { signal: s })}</span>
            {draft.enabled ? t('row.detected') : t('row.off')}
          </label>
          {draft.enabled !== rule.enabled ? <Badge tone="accent">{t('row.changed')}</Badge> : null}
        </div>
        <div>
          <label htmlFor={`severity-${s}`} className="mb-1 block text-xs font-medium text-slate-600">
            {t.rich('row.severity', { signal: s, sr: (chunks) => <span className="sr-only">{chunks}</span> })}
          </label>
          <Select
            id={`severity-${s}`}
            value={draft.severity}
            disabled={!canEdit}
            onChange={(e) => onChange({ ...draft, severity: e.target.value })}
            className="w-36"
            aria-invalid={errors?.severity ? true : undefined}
            aria-describedby={describe(errors?.severity && `severity-${s}-error`)}
          >
            <option value="warning">{severityText('warning')}</option>
            <option value="critical">{severityText('critical')}</option>
          </Select>
          {errors?.severity ? (
            <p id={`severity-${s}-error`} className="mt-1 text-xs font-medium text-rose-700">
              {problemText(errors.severity)}
            </p>
          ) : null}
        </div>
      </div>
      <div className="grid grid-cols-1 gap-3 sm:grid-cols-2">
        {Object.keys(draft.params).map((k) => {
          const knownParam = Object.hasOwn(paramUnits, k);
          const unit = paramUnits[k];
          const label = knownParam ? t(`params.${k as keyof typeof enRules.params}.label`) : k;
          const help = knownParam ? t(`params.${k as keyof typeof enRules.params}.help`) : '';
          const id = `${k === primary ? 'threshold' : 'param'}-${s}${k === primary ? '' : `-${k}`}`;
          const error = errors?.[k];
          const changed = String(rule.params[k]) !== draft.params[k].trim();
          return (
            <div key={k}>
              <label htmlFor={id} className="mb-1 block text-xs font-medium text-slate-600">
                <span className="sr-only">{k === primary ? t('row.thresholdFor', { signal: s }) : t('row.paramOf', { signal: s })}</span>
                {label} <span className="font-mono font-normal text-slate-500">{k}</span>
              </label>
              <div className="flex items-center gap-2">
                <Input
                  id={id}
                  inputMode="decimal"
                  value={draft.params[k]}
                  onChange={(e) => onChange({ ...draft, params: { ...draft.params, [k]: e.target.value } })}
                  readOnly={!canEdit}
                  aria-readonly={!canEdit || undefined}
                  aria-invalid={error ? true : undefined}
                  aria-describedby={describe(error && `${id}-error`, `${id}-help`, !canEdit && readOnlyId)}
                  className={cn('w-28 text-right font-mono tabular-nums', changed && !error && 'ring-2 ring-indigo-400')}
                />
                <span className="text-xs text-slate-500">{unit ? t(`units.${unit}`) : null}</span>
                {changed && !error ? <Badge tone="accent">{t('row.was', { value: String(rule.params[k]) })}</Badge> : null}
              </div>
              <p id={`${id}-help`} className="mt-1 text-xs text-slate-500">
                {help}
              </p>
              {error ? (
                <p id={`${id}-error`} className="mt-1 text-xs font-medium text-rose-700">
                  {problemText(error)}
                </p>
              ) : null}
            </div>
          );
        })}
      </div>
      <div className="space-y-2 text-sm text-slate-700">
        <p>
          <span className="block text-xs font-medium uppercase tracking-wide text-slate-500">{t('row.autoRepair')}</span>
          {autoRepair}
        </p>
        <p>
          <span className="block text-xs font-medium uppercase tracking-wide text-slate-500">{t('row.escalate')}</span>
          {escalate}
        </p>
      </div>
    </li>
  );
}
