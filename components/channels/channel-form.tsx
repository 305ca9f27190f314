'use client';

import { useTranslations } from 'next-intl';
import { useId, useState } from 'react';
import { ApiError } from '@/components/lib/api';
import { signalOrder } from '@/components/lib/format';
import { useErrorText } from '@/components/lib/use-error-text';
import { useFormat } from '@/components/lib/use-format';
import { type ChannelBody, useSaveChannel } from '@/components/hooks/use-channels';
import type { Channel } from '@/components/lib/types';
import { Button } from '@/components/ui/button';
import { Input, Label, Select } from '@/components/ui/field';
import { InlineAlert } from '@/components/ui/states';
import { useToast } from '@/components/ui/toast';

type Kind = 'webhook' | 'slack' | 'line' | 'email';
const MASK = '***';
const allSignals = signalOrder;

/** A field's words in the `channels` messages: `field.<id>.label`, `.placeholder`, and `hint.<id>` for some. */
type FieldId = 'webhookUrl' | 'webhookSecret' | 'slackWebhookUrl' | 'lineToken' | 'lineTo' | 'lineApiBase' | 'emailSmtpUrl' | 'emailFrom' | 'emailTo';
type HintId = 'optional' | 'smtpPassword' | 'commaSeparated';

/** Each kind's fields: config key, message id, secret?, optional?, hint. */
const fields: Record<Kind, { key: string; id: FieldId; secret?: boolean; optional?: boolean; hint?: HintId }[]> = {
  webhook: [
    { key: 'url', id: 'webhookUrl' },
    { key: 'secret', id: 'webhookSecret', secret: true },
  ],
  slack: [{ key: 'webhook_url', id: 'slackWebhookUrl', secret: true }],
  line: [
    { key: 'channel_access_token', id: 'lineToken', secret: true },
    { key: 'to', id: 'lineTo' },
    { key: 'api_base', id: 'lineApiBase', optional: true, hint: 'optional' },
  ],
  email: [
    { key: 'smtp_url', id: 'emailSmtpUrl', hint: 'smtpPassword' },
    { key: 'from', id: 'emailFrom' },
    { key: 'to', id: 'emailTo', hint: 'commaSeparated' },
  ],
};

function initialConfig(c?: Channel): Record<string, string> {
  if (!c) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(c.config)) out[k] = v === MASK ? '' : Array.isArray(v) ? v.join(', ') : String(v ?? '');
  return out;
}

/** Add or edit a channel; one form per kind. Secrets are never shown again: left empty, the stored one is kept. */
export function ChannelForm({ channel, onDone }: { channel?: Channel; onDone: () => void }) {
  const t = useTranslations('channels');
  const tc = useTranslations('common');
  const fmt = useFormat();
  const errorText = useErrorText();
  const toast = useToast();
  const uid = useId();
  const editing = Boolean(channel);
  const [kind, setKind] = useState<Kind>((channel?.kind as Kind) ?? 'slack');
  const [name, setName] = useState(channel?.name ?? '');
  const [config, setConfig] = useState<Record<string, string>>(initialConfig(channel));
  const [level, setLevel] = useState(String(channel?.level ?? 1));
  const [afterMin, setAfterMin] = useState(String(Math.round((channel?.after_s ?? 900) / 60)));
  const [minSeverity, setMinSeverity] = useState(channel?.min_severity ?? 'warning');
  const [signals, setSignals] = useState<string[] | null>(channel?.signals ?? null);
  const [enabled, setEnabled] = useState(channel?.enabled ?? true);

  const body = (): ChannelBody => {
    const cfg: Record<string, unknown> = {};
    for (const f of fields[kind]) {
      const v = (config[f.key] ?? '').trim();
      if (f.secret && !v && editing) cfg[f.key] = MASK;
      else if (f.key === 'to' && kind === 'email') cfg.to = v.split(/[,\s]+/).filter(Boolean);
      else if (v || !f.optional) cfg[f.key] = v;
    }
    return { name: name.trim(), config: cfg, level: Number(level), after_s: Math.round(Number(afterMin) * 60), min_severity: minSeverity, signals, enabled };
  };
  const save = useSaveChannel(channel?.id, {
    onSuccess: (r) => {
      toast({ tone: 'success', title: editing ? t('savedToast', { name: r.channel.name }) : t('addedToast', { name: r.channel.name }), description: t('savedToastDescription') });
      onDone();
    },
  });
  const fieldErrors = save.error instanceof ApiError ? save.error.fieldErrors : [];
  const errorFor = (path: string) => fieldErrors.find((f) => f.path === path || f.path.startsWith(path + '.'))?.message;

  return (
    <form
      aria-label={editing ? t('editLabel', { name: channel!.name }) : t('addTitle')}
      className="space-y-4"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate(editing ? body() : { ...body(), kind });
      }}
    >
      <div className="grid gap-4 sm:grid-cols-2">
        <div>
          <Label htmlFor={`${uid}-name`}>{t('name')}</Label>
          <Input
            id={`${uid}-name`}
            value={name}
            onChange={(e) => setName(e.target.value)}
            maxLength={100}
            required
            placeholder={t('namePlaceholder')}
            aria-invalid={errorFor('name') ? true : undefined}
          />
          {errorFor('name') ? <p className="mt-1 text-xs text-rose-600">{errorFor('name')}</p> : null}
        </div>
        <div>
          <Label htmlFor={`${uid}-kind`}>{t('kindLabel')}</Label>
          <Select id={`${uid}-kind`} value={kind} onChange={(e) => setKind(e.target.value as Kind)} disabled={editing}>
            <option value="slack">{t('kind.slack')}</option>
            <option value="line">{t('kind.line')}</option>
            <option value="email">{t('kind.email')}</option>
            <option value="webhook">{t('kind.webhookSigned')}</option>
          </Select>
        </div>
        {fields[kind].map((f) => (
          <div key={f.key}>
            <Label htmlFor={`${uid}-${f.key}`} hint={editing && f.secret ? t('hint.storedSecret') : f.hint ? t(`hint.${f.hint}`) : undefined}>
              {t(`field.${f.id}.label`)}
            </Label>
            <Input
              id={`${uid}-${f.key}`}
              type={f.secret ? 'password' : 'text'}
              autoComplete="off"
              value={config[f.key] ?? ''}
              onChange={(e) => setConfig({ ...config, [f.key]: e.target.value })}
              placeholder={editing && f.secret ? '••••••••' : t(`field.${f.id}.placeholder`)}
              aria-invalid={errorFor(`config.${f.key}`) ? true : undefined}
            />
            {errorFor(`config.${f.key}`) ? <p className="mt-1 text-xs text-rose-600">{errorFor(`config.${f.key}`)}</p> : null}
          </div>
        ))}
        <div>
          <Label htmlFor={`${uid}-level`}>{t('level')}</Label>
          <Select id={`${uid}-level`} value={level} onChange={(e) => setLevel(e.target.value)}>
            <option value="1">{t('level1')}</option>
            <option value="2">{t('level2')}</option>
          </Select>
        </div>
        <div>
          <Label htmlFor={`${uid}-after`} hint={level === '2' ? t('hint.minutesAfterDetection') : t('hint.level2Only')}>
            {t('escalationDelay')}
          </Label>
          <Input
            id={`${uid}-after`}
            type="number"
            min={0}
            max={10080}
            value={afterMin}
            onChange={(e) => setAfterMin(e.target.value)}
            disabled={level !== '2'}
            aria-invalid={errorFor('after_s') ? true : undefined}
          />
        </div>
        <div>
          <Label htmlFor={`${uid}-severity`}>{t('minSeverity')}</Label>
          <Select id={`${uid}-severity`} value={minSeverity} onChange={(e) => setMinSeverity(e.target.value as 'warning' | 'critical')}>
            <option value="warning">{t('severityWarning')}</option>
            <option value="critical">{t('severityCritical')}</option>
          </Select>
        </div>
        <div className="flex items-end">
          <label className="inline-flex items-center gap-2 text-sm text-slate-700">
            <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> {t('enabledLabel')}
          </label>
        </div>
      </div>
      <fieldset>
        <legend className="mb-1.5 text-sm font-medium text-slate-700">{t('signals')}</legend>
        <label className="mr-4 inline-flex items-center gap-1.5 text-sm text-slate-700">
          <input type="checkbox" checked={signals === null} onChange={(e) => setSignals(e.target.checked ? null : [])} /> {t('allSignalsLabel')}
        </label>
        {signals !== null ? (
          <div className="mt-2 flex flex-wrap gap-x-4 gap-y-1">
            {allSignals.map((s) => (
              <label key={s} className="inline-flex items-center gap-1.5 text-sm text-slate-700">
                <input type="checkbox" checked={signals.includes(s)} onChange={(e) => setSignals(e.target.checked ? [...signals, s] : signals.filter((x) => x !== s))} /> {fmt.signal(s)}
              </label>
            ))}
          </div>
        ) : null}
        {errorFor('signals') ? <p className="mt-1 text-xs text-rose-600">{errorFor('signals')}</p> : null}
      </fieldset>
      {save.isError && !fieldErrors.length ? <InlineAlert title={t('notSaved')}>{errorText(save.error)}</InlineAlert> : null}
      {fieldErrors.length ? <InlineAlert title={t('notSaved')}>{fieldErrors.map((f) => t('fieldError', { path: f.path, message: f.message })).join(t('fieldErrorSeparator'))}</InlineAlert> : null}
      <div className="flex gap-2">
        <Button type="submit" variant="primary" loading={save.isPending}>
          {editing ? t('saveSubmit') : t('addSubmit')}
        </Button>
        <Button variant="ghost" onClick={onDone}>
          {tc('cancel')}
        </Button>
      </div>
    </form>
  );
}
