import { config } from '@/lib/config';
import dns from 'node:dns';
import net from 'node:net';
import { randomUUID } from 'node:crypto';
import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { notificationChannels, notifications } from '@/db/schema';
import { type ChannelConfig, type ChannelInput, type ChannelKind, type ChannelPatch, channelConfigSchemas, SECRET_MASK } from '@/lib/schemas/oncall';
import { isPrivateAddress } from '../artifacts';
import { auditCtx, storableText } from '../audit';
import type { Ctx } from '../context';
import { notFound, validationFailed } from '../errors';
import { openSecret, sealSecret } from './secret-box';

export type ChannelRow = typeof notificationChannels.$inferSelect;

/** Channels may reach loopback/private hosts only with WATCHDOG_ALLOW_PRIVATE_HOSTS=1. */
export function channelPrivateHostsAllowed(): boolean {
  return config().allowPrivateHosts;
}

/** The config as answers show it: every secret (and the password in smtp_url) replaced by "***". */
export function maskConfig(kind: ChannelKind, config: Record<string, unknown>): Record<string, unknown> {
  switch (kind) {
    case 'webhook':
      return { ...config, secret: SECRET_MASK };
    case 'slack':
      return { ...config, webhook_url: SECRET_MASK };
    case 'line':
      return { ...config, channel_access_token: SECRET_MASK };
    case 'email': {
      const u = new URL(String(config.smtp_url));
      if (u.password) u.password = SECRET_MASK;
      return { ...config, smtp_url: u.href };
    }
  }
}

export function toChannelJson(row: ChannelRow) {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind as ChannelKind,
    config: row.config as Record<string, unknown>,
    signals: row.signals ?? null,
    min_severity: row.minSeverity as 'warning' | 'critical',
    level: row.level,
    after_s: row.afterS,
    enabled: row.enabled,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

/** The stored config in clear, for sending. */
export function channelSecrets(row: ChannelRow): ChannelConfig {
  return JSON.parse(openSecret(row.sealedConfig)) as ChannelConfig;
}

function destinationUrls(kind: ChannelKind, config: Record<string, unknown>): [string, string][] {
  if (kind === 'webhook') return [['config.url', String(config.url)]];
  if (kind === 'slack') return [['config.webhook_url', String(config.webhook_url)]];
  if (kind === 'line') return config.api_base ? [['config.api_base', String(config.api_base)]] : [];
  return [['config.smtp_url', String(config.smtp_url)]];
}

/**
 * Destinations are vetted like artifact URLs: a loopback, private or link-local host (by name or
 * by what it resolves to) is refused unless WATCHDOG_ALLOW_PRIVATE_HOSTS=1. A name that does not
 * resolve now is accepted: every delivery resolves and vets it again.
 */
export async function vetChannelDestinations(kind: ChannelKind, config: Record<string, unknown>, allowPrivate = channelPrivateHostsAllowed()) {
  if (allowPrivate) return;
  const problems: { path: string; message: string; code: string }[] = [];
  for (const [path, raw] of destinationUrls(kind, config)) {
    const host = new URL(raw).hostname.replace(/^\[|\]$/g, '').toLowerCase();
    let bad: string | null;
    if (host === 'localhost' || host.endsWith('.localhost')) bad = host;
    else if (net.isIP(host)) bad = isPrivateAddress(host) ? host : null;
    else {
      const addrs = await dns.promises.lookup(host, { all: true, verbatim: true }).catch(() => []);
      bad = addrs.find((a) => isPrivateAddress(a.address))?.address ?? null;
    }
    if (bad) problems.push({ path, message: `refused: ${host} is a loopback, private or link-local host (${bad}); WATCHDOG_ALLOW_PRIVATE_HOSTS=1 allows it`, code: 'custom' });
  }
  if (problems.length) throw validationFailed(problems, 'body does not match the schema');
}

/** A stored config merged with a change: a secret left out or sent back as "***" keeps its stored value. */
function mergeConfig(kind: ChannelKind, stored: Record<string, unknown>, change: Record<string, unknown>): unknown {
  const merged: Record<string, unknown> = { ...stored };
  for (const [k, v] of Object.entries(change)) {
    if (v === SECRET_MASK) continue;
    merged[k] = v;
  }
  if (kind === 'email' && typeof change.smtp_url === 'string') {
    try {
      const u = new URL(change.smtp_url);
      if (u.password === SECRET_MASK) {
        u.password = new URL(String(stored.smtp_url)).password;
        merged.smtp_url = u.href;
      }
    } catch {
      /* the schema names it */
    }
  }
  return merged;
}

function parseConfig(kind: ChannelKind, config: unknown): ChannelConfig {
  const r = channelConfigSchemas[kind].safeParse(config);
  if (!r.success)
    throw validationFailed(
      r.error.issues.map((i) => ({ path: ['config', ...i.path.map(String)].join('.'), message: i.message, code: i.code })),
      'body does not match the schema',
    );
  return r.data;
}

export async function listChannels(db: Db) {
  const rows = await db.select().from(notificationChannels).orderBy(asc(notificationChannels.level), asc(notificationChannels.createdAt));
  return rows.map(toChannelJson);
}

export async function findChannel(db: Db, id: string): Promise<ChannelRow> {
  const [row] = await db.select().from(notificationChannels).where(eq(notificationChannels.id, id));
  if (!row) throw notFound('channel', { id });
  return row;
}

const auditView = (row: ChannelRow) => ({
  name: row.name,
  kind: row.kind,
  level: row.level,
  after_s: row.afterS,
  min_severity: row.minSeverity,
  signals: row.signals,
  enabled: row.enabled,
  config: row.config,
});

/** Adds a channel; its secrets are sealed and never answered again. Audited (without secrets). */
export async function createChannel(ctx: Ctx, input: ChannelInput) {
  await vetChannelDestinations(input.kind, input.config);
  const [row] = await ctx.db.transaction(async (tx) => {
    const rows = await tx
      .insert(notificationChannels)
      .values({
        id: randomUUID(),
        name: storableText(input.name),
        kind: input.kind,
        config: maskConfig(input.kind, input.config),
        sealedConfig: sealSecret(JSON.stringify(input.config)),
        signals: input.signals ?? null,
        minSeverity: input.min_severity ?? 'warning',
        level: input.level ?? 1,
        afterS: input.after_s ?? 900,
        enabled: input.enabled ?? true,
        createdBy: ctx.actor.label,
        createdAt: ctx.now,
        updatedAt: ctx.now,
      })
      .returning();
    await auditCtx(ctx, { action: 'channel.created', target: rows[0].id, details: auditView(rows[0]) }, tx);
    return rows;
  });
  return toChannelJson(row);
}

/** Changes a channel; `config` merges into the stored one and is validated and vetted whole. Audited. */
export async function updateChannel(ctx: Ctx, id: string, patch: ChannelPatch) {
  const current = await findChannel(ctx.db, id);
  const kind = current.kind as ChannelKind;
  let sealed: { config: Record<string, unknown>; sealedConfig: string } | null = null;
  if (patch.config) {
    const config = parseConfig(kind, mergeConfig(kind, channelSecrets(current) as Record<string, unknown>, patch.config));
    await vetChannelDestinations(kind, config as Record<string, unknown>);
    sealed = { config: maskConfig(kind, config as Record<string, unknown>), sealedConfig: sealSecret(JSON.stringify(config)) };
  }
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .update(notificationChannels)
      .set({
        ...(patch.name !== undefined ? { name: storableText(patch.name) } : {}),
        ...(sealed ?? {}),
        ...(patch.signals !== undefined ? { signals: patch.signals } : {}),
        ...(patch.min_severity !== undefined ? { minSeverity: patch.min_severity } : {}),
        ...(patch.level !== undefined ? { level: patch.level } : {}),
        ...(patch.after_s !== undefined ? { afterS: patch.after_s } : {}),
        ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
        updatedAt: ctx.now,
      })
      .where(eq(notificationChannels.id, id))
      .returning();
    if (!row) throw notFound('channel', { id });
    await auditCtx(ctx, { action: 'channel.updated', target: id, details: { ...auditView(row), changed: Object.keys(patch) } }, tx);
    return toChannelJson(row);
  });
}

/** Deletes a channel; its messages stay in the delivery log, the unsent ones marked failed. Audited. */
export async function deleteChannel(ctx: Ctx, id: string) {
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx.delete(notificationChannels).where(eq(notificationChannels.id, id)).returning();
    if (!row) throw notFound('channel', { id });
    await tx
      .update(notifications)
      .set({ status: 'failed', lastError: 'the channel was deleted before delivery' })
      .where(and(eq(notifications.channelId, id), eq(notifications.status, 'pending')));
    await auditCtx(ctx, { action: 'channel.deleted', target: id, details: auditView(row) }, tx);
    return toChannelJson(row);
  });
}
