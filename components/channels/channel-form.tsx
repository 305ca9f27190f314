'use client';

import { useId, useState } from 'react';
import { ApiError, errorMessage } from '@/components/lib/api';
import { signalLabel, signalOrder } from '@/components/lib/format';
import { type ChannelBody, useSaveChannel } from '@/components/hooks/use-channels';
import type { Channel } from '@/components/lib/types';
import { Button } from '@/components/ui/button';
import { Input, Label, Select } from '@/components/ui/field';
import { InlineAlert } from '@/components/ui/states';
import { useToast } from '@/components/ui/toast';

type Kind = 'webhook' | 'slack' | 'line' | 'email';
const MASK = '***';
const allSignals = [...signalOrder, 'no_progress', 'loop_detected', 'worker_silent'];

/** Each kind's fields: [config key, label, secret?, placeholder, hint]. */
const fields: Record<Kind, { key: string; label: string; secret?: boolean; placeholder: string; hint?: string }[]> = {
  webhook: [
    { key: 'url', label: 'URL', placeholder: 'https://hooks.example.com/watchdog' },
    { key: 'secret', label: 'Signing secret', secret: true, placeholder: 'shared secret for X-Watchdog-Signature' },
  ],
  slack: [{ key: 'webhook_url', label: 'Incoming webhook URL', secret: true, placeholder: 'https://hooks.slack.com/services/…' }],
  line: [
    { key: 'channel_access_token', label: 'Channel access token', secret: true, placeholder: 'long-lived token' },
    { key: 'to', label: 'To (user, group or room id)', placeholder: 'U0123456789abcdef…' },
    { key: 'api_base', label: 'API base', placeholder: 'https://api.line.me', hint: '(optional)' },
  ],
  email: [
    { key: 'smtp_url', label: 'SMTP URL', placeholder: 'smtps://user:password@smtp.example.com:465', hint: '(the password is stored encrypted)' },
    { key: 'from', label: 'From', placeholder: 'watchdog@example.com' },
    { key: 'to', label: 'To', placeholder: 'oncall@example.com, lead@example.com', hint: '(comma-separated)' },
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
      else if (v || !f.hint?.includes('optional')) cfg[f.key] = v;
    }
    return { name: name.trim(), config: cfg, level: Number(level), after_s: Math.round(Number(afterMin) * 60), min_severity: minSeverity, signals, enabled };
  };
  const save = useSaveChannel(channel?.id, {
    onSuccess: (r) => {
      toast({ tone: 'success', title: editing ? `Channel “${r.channel.name}” saved` : `Channel “${r.channel.name}” added`, description: 'Secrets are stored encrypted and never shown again.' });
      onDone();
    },
  });
  const fieldErrors = save.error instanceof ApiError ? save.error.fieldErrors : [];
  const errorFor = (path: string) => fieldErrors.find((f) => f.path === path || f.path.startsWith(path + '.'))?.message;

  return (
    <form
      aria-label={editing ? `Edit ${channel!.name}` : 'Add a channel'}
      className="space-y-4"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate(editing ? body() : { ...body(), kind });
      }}
    >
      <div className="grid gap-4 sm:grid-cols-2">
        <div>
          <Label htmlFor={`${uid}-name`}>Channel name</Label>
          <Input id={`${uid}-name`} value={name} onChange={(e) => setName(e.target.value)} maxLength={100} required placeholder="e.g. ops Slack" aria-invalid={errorFor('name') ? true : undefined} />
          {errorFor('name') ? <p className="mt-1 text-xs text-rose-600">{errorFor('name')}</p> : null}
        </div>
        <div>
          <Label htmlFor={`${uid}-kind`}>Kind</Label>
          <Select id={`${uid}-kind`} value={kind} onChange={(e) => setKind(e.target.value as Kind)} disabled={editing}>
            <option value="slack">Slack</option>
            <option value="line">LINE</option>
            <option value="email">Email</option>
            <option value="webhook">Webhook (signed JSON)</option>
          </Select>
        </div>
        {fields[kind].map((f) => (
          <div key={f.key}>
            <Label htmlFor={`${uid}-${f.key}`} hint={editing && f.secret ? '(stored — leave empty to keep)' : f.hint}>
              {f.label}
            </Label>
            <Input
              id={`${uid}-${f.key}`}
              type={f.secret ? 'password' : 'text'}
              autoComplete="off"
              value={config[f.key] ?? ''}
              onChange={(e) => setConfig({ ...config, [f.key]: e.target.value })}
              placeholder={editing && f.secret ? '••••••••' : f.placeholder}
              aria-invalid={errorFor(`config.${f.key}`) ? true : undefined}
            />
            {errorFor(`config.${f.key}`) ? <p className="mt-1 text-xs text-rose-600">{errorFor(`config.${f.key}`)}</p> : null}
          </div>
        ))}
        <div>
          <Label htmlFor={`${uid}-level`}>Level</Label>
          <Select id={`${uid}-level`} value={level} onChange={(e) => setLevel(e.target.value)}>
            <option value="1">1 — told when an incident opens</option>
            <option value="2">2 — escalation when nobody acknowledged</option>
          </Select>
        </div>
        <div>
          <Label htmlFor={`${uid}-after`} hint={level === '2' ? '(minutes after detection)' : '(level 2 only)'}>
            Escalation delay
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
          <Label htmlFor={`${uid}-severity`}>Minimum severity</Label>
          <Select id={`${uid}-severity`} value={minSeverity} onChange={(e) => setMinSeverity(e.target.value as 'warning' | 'critical')}>
            <option value="warning">Warning and critical</option>
            <option value="critical">Critical only</option>
          </Select>
        </div>
        <div className="flex items-end">
          <label className="inline-flex items-center gap-2 text-sm text-slate-700">
            <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Enabled
          </label>
        </div>
      </div>
      <fieldset>
        <legend className="mb-1.5 text-sm font-medium text-slate-700">Signals</legend>
        <label className="mr-4 inline-flex items-center gap-1.5 text-sm text-slate-700">
          <input type="checkbox" checked={signals === null} onChange={(e) => setSignals(e.target.checked ? null : [])} /> All signals
        </label>
        {signals !== null ? (
          <div className="mt-2 flex flex-wrap gap-x-4 gap-y-1">
            {allSignals.map((s) => (
              <label key={s} className="inline-flex items-center gap-1.5 text-sm text-slate-700">
                <input type="checkbox" checked={signals.includes(s)} onChange={(e) => setSignals(e.target.checked ? [...signals, s] : signals.filter((x) => x !== s))} /> {signalLabel(s)}
              </label>
            ))}
          </div>
        ) : null}
        {errorFor('signals') ? <p className="mt-1 text-xs text-rose-600">{errorFor('signals')}</p> : null}
      </fieldset>
      {save.isError && !fieldErrors.length ? <InlineAlert title="Not saved">{errorMessage(save.error)}</InlineAlert> : null}
      {fieldErrors.length ? <InlineAlert title="Not saved">{fieldErrors.map((f) => `${f.path}: ${f.message}`).join('; ')}</InlineAlert> : null}
      <div className="flex gap-2">
        <Button type="submit" variant="primary" loading={save.isPending}>
          {editing ? 'Save channel' : 'Add channel'}
        </Button>
        <Button variant="ghost" onClick={onDone}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
