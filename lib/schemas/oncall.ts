import { z } from 'zod';
import { Identifier, IsoDate, Signal, withoutNul, withoutNulMessage } from './common';
import { LearningList } from './learnings';
import { CHANNEL_KINDS, INCIDENT_FILTERS, NOTIFICATION_STATUSES, SEVERITIES, SILENCE_STATES } from './enums';

// The on-call enums are the lists of lib/schemas/enums.ts (one source: column checks, zod, UI).

/** On-call shapes: incidents people handle, silences, notification channels and the delivery log. */

export const severities = SEVERITIES;
export const Severity = z.enum(severities);
export type Severity = z.infer<typeof Severity>;

export const channelKinds = CHANNEL_KINDS;
export const ChannelKind = z.enum(channelKinds);
export type ChannelKind = z.infer<typeof ChannelKind>;

export const notificationStatuses = NOTIFICATION_STATUSES;
export const NotificationStatus = z.enum(notificationStatuses);

export const silenceStates = SILENCE_STATES;
export const SilenceState = z.enum(silenceStates);

export const incidentStatusFilters = INCIDENT_FILTERS;

/** The placeholder answers show instead of a secret; sending it back keeps the stored secret. */
export const SECRET_MASK = '***';

const text = (max: number) => z.string().trim().min(1).max(max).refine(withoutNul, withoutNulMessage);
const Limit = z.coerce.number().int().min(1).max(200).default(50);
const Cursor = z.string().max(200).optional();

export const IncidentListQuery = z.object({
  status: z.enum(incidentStatusFilters).default('open'),
  signal: z.string().max(50).optional(),
  severity: Severity.optional(),
  worker_id: Identifier.optional(),
  job_id: Identifier.optional(),
  cursor: Cursor,
  limit: Limit,
});
export type IncidentListQuery = z.infer<typeof IncidentListQuery>;

export const AcknowledgeInput = z.object({ note: text(2000).optional() });
/** The resolve body: a note saying how, and optionally what was learned (API.md part 2 "Learning memory": the three lists). */
export const ResolveInput = z
  .object({
    note: z.string().trim().min(1, 'a note saying how it was resolved is required').max(2000).refine(withoutNul, withoutNulMessage),
    learned: LearningList.optional(),
    next_worker_should_check: LearningList.optional(),
    assumptions_to_test: LearningList.optional(),
  })
  .refine((b) => !(b.next_worker_should_check?.length || b.assumptions_to_test?.length) || Boolean(b.learned?.length), {
    path: ['learned'],
    message: 'at least one item in learned when the other lists are given',
  });
export type ResolveInput = z.infer<typeof ResolveInput>;

export const SilenceMatchers = z
  .object({ signal: z.string().min(1).max(50).optional(), worker_id: Identifier.optional(), job_id: Identifier.optional() })
  .refine((m) => Boolean(m.signal || m.worker_id || m.job_id), 'give at least one matcher: signal, worker_id or job_id');
export const SilenceInput = z.object({ matchers: SilenceMatchers, starts_at: IsoDate.optional(), ends_at: IsoDate, comment: text(500) });
export type SilenceInput = z.infer<typeof SilenceInput>;
export const SilenceQuery = z.object({ state: z.enum([...silenceStates, 'all']).default('all') });

const HttpUrl = z
  .string()
  .max(2000)
  .refine((s) => {
    try {
      const u = new URL(s);
      return u.protocol === 'http:' || u.protocol === 'https:';
    } catch {
      return false;
    }
  }, 'must be an http or https URL');
const SmtpUrl = z
  .string()
  .max(2000)
  .refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'smtp:' || u.protocol === 'smtps:') && Boolean(u.hostname);
    } catch {
      return false;
    }
  }, 'must be an smtp:// or smtps:// URL');
const Email = z.email().max(320);

export const WebhookConfig = z.object({ url: HttpUrl, secret: z.string().min(1).max(500) }).strict();
export const SlackConfig = z.object({ webhook_url: HttpUrl }).strict();
export const LineConfig = z.object({ channel_access_token: z.string().min(1).max(1000), to: z.string().min(1).max(100), api_base: HttpUrl.optional() }).strict();
export const EmailConfig = z.object({ smtp_url: SmtpUrl, from: Email, to: z.array(Email).min(1).max(20) }).strict();
export const channelConfigSchemas = { webhook: WebhookConfig, slack: SlackConfig, line: LineConfig, email: EmailConfig } as const;
export type ChannelConfig = z.infer<typeof WebhookConfig> | z.infer<typeof SlackConfig> | z.infer<typeof LineConfig> | z.infer<typeof EmailConfig>;

const channelCommon = {
  name: text(100),
  signals: z.array(Signal).min(1).max(50).nullable().optional(),
  min_severity: Severity.optional(),
  level: z.union([z.literal(1), z.literal(2)]).optional(),
  after_s: z
    .number()
    .int()
    .min(0)
    .max(7 * 86_400)
    .optional(),
  enabled: z.boolean().optional(),
};
export const ChannelInput = z.discriminatedUnion('kind', [
  z.object({ ...channelCommon, kind: z.literal('webhook'), config: WebhookConfig }),
  z.object({ ...channelCommon, kind: z.literal('slack'), config: SlackConfig }),
  z.object({ ...channelCommon, kind: z.literal('line'), config: LineConfig }),
  z.object({ ...channelCommon, kind: z.literal('email'), config: EmailConfig }),
]);
export type ChannelInput = z.infer<typeof ChannelInput>;
/** A change: any field; `config` is merged into the stored one (a secret given as "***" or left out is kept). */
export const ChannelPatch = z.object({ ...channelCommon, name: channelCommon.name.optional(), config: z.record(z.string(), z.unknown()).optional() }).strict();
export type ChannelPatch = z.infer<typeof ChannelPatch>;

export const NotificationQuery = z.object({ incident_id: z.uuid().optional(), status: NotificationStatus.optional(), cursor: Cursor, limit: Limit });

const Time = z.string();
const NullableTime = z.string().nullable();

export const OncallIncident = z.object({
  id: z.uuid(),
  job_id: z.string().nullable(),
  worker_id: z.string().nullable(),
  signal: z.string(),
  severity: Severity,
  status: z.enum(['open', 'resolved']),
  first_failure_at: Time,
  detected_at: Time,
  acknowledged_at: NullableTime,
  acknowledged_by: z.string().nullable(),
  acknowledgement_note: z.string().nullable(),
  resolved_at: NullableTime,
  resolved_by: z.string().nullable(),
  resolution: z.string().nullable(),
  silenced_by: z.uuid().nullable(),
  evidence_event_ids: z.array(z.string()),
  details: z.record(z.string(), z.unknown()),
  rule_version: z.number().int(),
});
export const IncidentPage = z.object({ incidents: z.array(OncallIncident), next_cursor: z.string().nullable() });
export const IncidentAnswer = z.object({ incident: OncallIncident });

export const Silence = z.object({
  id: z.uuid(),
  matchers: z.object({ signal: z.string().optional(), worker_id: z.string().optional(), job_id: z.string().optional() }),
  starts_at: Time,
  ends_at: Time,
  comment: z.string(),
  created_by: z.string(),
  created_at: Time,
  ended_by: z.string().nullable(),
  state: SilenceState,
});
export const SilenceAnswer = z.object({ silence: Silence });
export const SilenceList = z.object({ silences: z.array(Silence) });

export const Notification = z.object({
  id: z.uuid(),
  kind: z.string(),
  incident_id: z.uuid().nullable(),
  job_id: z.string().nullable(),
  channel_id: z.uuid().nullable(),
  channel_name: z.string().nullable(),
  channel_kind: z.string(),
  status: NotificationStatus,
  attempts: z.number().int(),
  next_attempt_at: NullableTime,
  last_http_status: z.number().int().nullable(),
  last_error: z.string().nullable(),
  created_at: Time,
  delivered_at: NullableTime,
});
export const NotificationPage = z.object({ notifications: z.array(Notification), next_cursor: z.string().nullable() });
export const IncidentDetail = z.object({ incident: OncallIncident, notifications: z.array(Notification), silence: Silence.nullable() });

export const Channel = z.object({
  id: z.uuid(),
  name: z.string(),
  kind: ChannelKind,
  config: z.record(z.string(), z.unknown()),
  signals: z.array(z.string()).nullable(),
  min_severity: Severity,
  level: z.number().int(),
  after_s: z.number().int(),
  enabled: z.boolean(),
  created_at: Time,
  updated_at: Time,
});
export const ChannelAnswer = z.object({ channel: Channel });
export const ChannelList = z.object({ channels: z.array(Channel) });
export const DeliveryOutcome = z.object({ status: z.enum(['delivered', 'failed']), http_status: z.number().int().optional(), error: z.string().optional() });
export const ChannelTestAnswer = z.object({ delivery: DeliveryOutcome });
