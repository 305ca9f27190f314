import { sql } from 'drizzle-orm';
import { bigint, check, bigserial, boolean, date, index, integer, jsonb, pgTable, primaryKey, smallint, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import {
  AUTHORITIES,
  D30_DECISIONS,
  enumChecks,
  INCIDENT_STATUSES,
  LEASE_EVENTS,
  LEASE_STATES,
  NOTIFICATION_KINDS,
  NOTIFICATION_STATUSES,
  PHASES,
  REPAIR_ACTIONS,
  REPAIR_DECISIONS,
  REPAIR_RESULTS,
  ROLES,
  RUN_STATUSES,
  SIGNALS,
  USER_ROLES,
  LOCALES,
} from '@/lib/schemas/enums';
import type { SuggestedActionJson } from '@/lib/schemas/responses';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

type Checked = typeof enumChecks;
/** The CHECK constraints of one table, from lib/schemas/enums.ts (migration 0003_enum_checks made them). */
function enumCheckConstraints<T extends keyof Checked>(table: T) {
  return Object.entries(enumChecks[table] as Record<string, readonly string[]>).map(([column, list]) =>
    check(`${table}_${column}_check`, sql.raw(`"${column}" in (${list.map((v) => `'${v}'`).join(', ')})`)),
  );
}

/** One phase run of a worker on a job (doctor, claim, context, ...), upserted by the worker. */
export const workerRuns = pgTable(
  'worker_runs',
  {
    id: uuid('id').primaryKey(),
    workerId: text('worker_id').notNull(),
    jobId: text('job_id').notNull(),
    phase: text('phase', { enum: PHASES }).notNull(),
    status: text('status', { enum: RUN_STATUSES }).notNull(),
    startedAt: ts('started_at').notNull(),
    endedAt: ts('ended_at'),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [index('worker_runs_job_id_idx').on(t.jobId), index('worker_runs_worker_id_idx').on(t.workerId), index('worker_runs_started_at_idx').on(t.startedAt), ...enumCheckConstraints('worker_runs')],
);

/** The current lease of each job: who holds it, until when, under which fencing token. */
export const jobLeases = pgTable(
  'job_leases',
  {
    jobId: text('job_id').primaryKey(),
    workerId: text('worker_id').notNull(),
    fencingToken: bigint('fencing_token', { mode: 'number' }).notNull(),
    leaseExpiresAt: ts('lease_expires_at').notNull(),
    lastHeartbeatAt: ts('last_heartbeat_at').notNull(),
    acquiredAt: ts('acquired_at').notNull(),
    state: text('state', { enum: LEASE_STATES }).notNull(),
    /** set when a supervisor approved a reclaim: the job is ready for another worker */
    readyForReclaim: boolean('ready_for_reclaim').notNull().default(false),
    /** how far the sweep has escalated this lease: 0 none, 1 expired (mark_stuck), 2 queue stuck */
    sweepStage: integer('sweep_stage').notNull().default(0),
    completedAt: ts('completed_at'),
    completedArtifactCheckId: uuid('completed_artifact_check_id'),
    completedOutputHash: text('completed_output_hash'),
    updatedAt: ts('updated_at').notNull().defaultNow(),
    /** when the sweep next asks whether this active lease's job still moves (no_progress); null: at the next sweep */
    progressCheckAt: ts('progress_check_at'),
  },
  (t) => [
    // the sweep's due leases, and the overview's live leases by risk index-only (0013)
    index('job_leases_state_expires_idx').on(t.state, t.leaseExpiresAt, t.sweepStage),
    index('job_leases_progress_idx')
      .on(t.progressCheckAt)
      .where(sql`${t.state} = 'active'`),
    index('job_leases_sweep_idx')
      .on(t.sweepStage, t.leaseExpiresAt)
      .where(sql`${t.state} in ('active', 'expired')`),
    // a worker's current lease (the fleet page) and every worker_id lookup
    index('job_leases_worker_state_idx').on(t.workerId, t.state, t.leaseExpiresAt),
    // the jobs list's keyset (0011_console_reads)
    index('job_leases_updated_idx').on(t.updatedAt.desc(), t.jobId.desc()),
    index('job_leases_state_updated_idx').on(t.state, t.updatedAt.desc(), t.jobId.desc()),
    // the jobs search `q` (ILIKE '%q%' on job or worker id), 0014_console_reads_at_scale: only where pg_trgm
    // exists (PostgreSQL contrib, PGlite with the extension loaded); without them the search walks the keyset
    index('job_leases_job_trgm_idx').using('gin', t.jobId.op('gin_trgm_ops')),
    index('job_leases_worker_trgm_idx').using('gin', t.workerId.op('gin_trgm_ops')),
    ...enumCheckConstraints('job_leases'),
  ],
);

/** Every change of a lease (acquired, renewed, released, reclaimed, expired, completed): the fencing history of a job and the evidence a rules preview replays. */
export const leaseHistory = pgTable(
  'lease_history',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    jobId: text('job_id').notNull(),
    workerId: text('worker_id').notNull(),
    fencingToken: bigint('fencing_token', { mode: 'number' }).notNull(),
    event: text('event', { enum: LEASE_EVENTS }).notNull(),
    leaseExpiresAt: ts('lease_expires_at'),
    at: ts('at').notNull(),
    actor: text('actor').notNull(),
  },
  (t) => [
    index('lease_history_job_id_idx').on(t.jobId, t.at, t.id),
    index('lease_history_at_idx').on(t.at),
    index('lease_history_worker_at_idx').on(t.workerId, t.at),
    ...enumCheckConstraints('lease_history'),
  ],
);

/** Every helper command a worker ran, with its output hash and its classification. */
export const helperEvents = pgTable(
  'helper_events',
  {
    id: uuid('id').primaryKey(),
    jobId: text('job_id').notNull(),
    workerId: text('worker_id').notNull(),
    command: text('command').notNull(),
    phase: text('phase', { enum: PHASES }),
    /** null: the process was killed before it exited (a timed-out claim) — a failure */
    exitCode: integer('exit_code'),
    output: text('output'),
    outputHash: text('output_hash').notNull(),
    errorCode: text('error_code'),
    durationMs: integer('duration_ms'),
    createdAt: ts('created_at').notNull(),
    receivedAt: ts('received_at').notNull(),
    signal: text('signal', { enum: SIGNALS }),
    ruleVersion: integer('rule_version').notNull(),
    suggestedActions: jsonb('suggested_actions')
      .$type<SuggestedActionJson[]>()
      .notNull()
      .default(sql`'[]'::jsonb`),
    incidentId: uuid('incident_id'),
    /** sha256 of the canonical request body, so a replay with another body is told apart */
    bodyHash: text('body_hash').notNull(),
    /**
     * First sight in the job of this output hash / of this phase ("progress", rules/signals/no-progress.ts),
     * by (created_at, id). Set by the BEFORE INSERT trigger helper_events_first_sight (migration
     * 0015_first_sight), exact under any arrival order and concurrency: whatever a writer passes is overwritten.
     */
    newProgress: boolean('new_progress').notNull().default(false),
    newPhase: boolean('new_phase').notNull().default(false),
    /** on a first sight: the job's previous first sight (null: the job's first), so a quiet stretch is one row */
    prevProgressAt: ts('prev_progress_at'),
  },
  (t) => [
    index('helper_events_job_id_idx').on(t.jobId, t.createdAt),
    index('helper_events_created_at_idx').on(t.createdAt),
    // the overview's events of the last 24 h, by arrival, with the flagged / failed-exit counts: index-only
    index('helper_events_received_idx').on(t.receivedAt, t.exitCode, t.signal),
    index('helper_events_signal_idx').on(t.signal, t.createdAt),
    index('helper_events_incident_id_idx').on(t.incidentId),
    // D30 (lib/watchdog/metrics/d30-coverage.ts): partial indexes over the few failing rows, so the figures are
    // index-only range scans; their predicates are repeated word for word in the D30 queries.
    index('helper_events_failures_idx')
      .on(t.createdAt, t.jobId)
      .where(sql`${t.exitCode} is distinct from 0 or ${t.signal} is not null`),
    index('helper_events_unclassified_idx')
      .on(t.createdAt, t.jobId)
      .where(sql`(${t.exitCode} is distinct from 0 or ${t.signal} is not null) and not (${t.signal} is not null and jsonb_array_length(${t.suggestedActions}) > 0)`),
    index('helper_events_retry_idx')
      .on(t.createdAt, t.jobId, t.phase, t.id)
      .where(sql`${t.suggestedActions} @> '[{"action":"retry"}]'::jsonb`),
    // the next event of a job and phase (did the retry work?), index-only
    index('helper_events_job_phase_idx').on(t.jobId, t.phase, t.createdAt, t.exitCode, t.signal),
    // loop_detected (the same command and output within a window) and no_progress (first sight of an output)
    index('helper_events_job_hash_idx').on(t.jobId, t.outputHash, t.createdAt),
    // a worker's events and failures of the last 24 h (the fleet page), index-only; also every worker_id lookup
    index('helper_events_worker_time_idx').on(t.workerId, t.createdAt, t.exitCode, t.signal),
    // a replay's quiet stretches (a job's first sights; the stretches between two, by length) and loop
    // candidates (the repeats of a window); migration 0015 adds INCLUDE columns, which drizzle cannot say
    index('helper_events_progress_idx')
      .on(t.jobId, t.createdAt)
      .where(sql`${t.newProgress} or ${t.newPhase}`),
    index('helper_events_quiet_idx')
      .on(sql`(${t.createdAt} - ${t.prevProgressAt})`)
      .where(sql`${t.newProgress} or ${t.newPhase}`),
    index('helper_events_repeats_idx')
      .on(t.createdAt)
      .where(sql`not ${t.newProgress}`),
    ...enumCheckConstraints('helper_events'),
  ],
);

/**
 * Incidents ever recorded per signal, and the first one's detection (the overview's D14), without counting
 * every incident. Kept by triggers on incidents (0014_console_reads_at_scale: insert and delete per
 * statement, an update that changes signal or detected_at per row, truncate). One row per signal and shard
 * (the writing backend's pid % 8): a signal's count is the sum over shards, its first the least.
 */
export const incidentSignalCounts = pgTable(
  'incident_signal_counts',
  {
    signal: text('signal').notNull(),
    shard: smallint('shard').notNull(),
    incidents: bigint('incidents', { mode: 'number' }).notNull(),
    firstDetectedAt: ts('first_detected_at'),
  },
  (t) => [primaryKey({ columns: [t.signal, t.shard] })],
);

/**
 * Helper events per UTC day, for the D30 series without counting a million rows. Kept by statement-level
 * triggers on helper_events (migration 0002_d30_event_days_trigger: insert, delete, update, truncate), so
 * every write path counts, at one upsert per insert statement. One row per day and shard (the writing
 * backend's pid % 8), so concurrent ingests rarely wait on the same row; a day's count is the sum over shards.
 */
export const helperEventDays = pgTable(
  'helper_event_days',
  {
    day: date('day', { mode: 'string' }).notNull(),
    shard: smallint('shard').notNull(),
    events: bigint('events', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.day, t.shard] })],
);

/** Repairs: executed by the runner or the system, suggested by workers, requested and decided. */
export const repairActions = pgTable(
  'repair_actions',
  {
    id: uuid('id').primaryKey(),
    jobId: text('job_id').notNull(),
    trigger: text('trigger').notNull(),
    action: text('action', { enum: REPAIR_ACTIONS }).notNull(),
    authority: text('authority', { enum: AUTHORITIES }).notNull(),
    result: text('result', { enum: REPAIR_RESULTS }),
    suggestion: boolean('suggestion').notNull().default(false),
    evidenceEventIds: jsonb('evidence_event_ids')
      .$type<string[]>()
      .notNull()
      .default(sql`'[]'::jsonb`),
    note: text('note'),
    phase: text('phase', { enum: PHASES }),
    outputHash: text('output_hash'),
    incidentId: uuid('incident_id'),
    requestedBy: text('requested_by').notNull(),
    decision: text('decision', { enum: REPAIR_DECISIONS }),
    decidedBy: text('decided_by'),
    decidedAt: ts('decided_at'),
    decisionNote: text('decision_note'),
    bodyHash: text('body_hash'),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [
    index('repair_actions_job_id_idx').on(t.jobId, t.createdAt),
    index('repair_actions_result_idx').on(t.result, t.createdAt),
    index('repair_actions_incident_id_idx').on(t.incidentId),
    index('repair_actions_created_at_idx').on(t.createdAt),
    uniqueIndex('repair_actions_one_pending_idx')
      .on(t.jobId, t.action)
      .where(sql`${t.result} = 'pending'`),
    ...enumCheckConstraints('repair_actions'),
  ],
);

/** Artifact checks the server ran itself. */
export const artifactChecks = pgTable(
  'artifact_checks',
  {
    id: uuid('id').primaryKey(),
    jobId: text('job_id').notNull(),
    workerId: text('worker_id'),
    primaryUrl: text('primary_url').notNull(),
    files: jsonb('files')
      .$type<unknown[]>()
      .notNull()
      .default(sql`'[]'::jsonb`),
    httpStatus: integer('http_status'),
    fileCount: integer('file_count').notNull(),
    expectedFileCount: integer('expected_file_count').notNull(),
    passed: boolean('passed').notNull(),
    failureReason: text('failure_reason'),
    checkedAt: ts('checked_at').notNull(),
    requestedBy: text('requested_by').notNull(),
  },
  (t) => [index('artifact_checks_job_id_idx').on(t.jobId, t.checkedAt), index('artifact_checks_checked_at_idx').on(t.checkedAt, t.passed)],
);

/**
 * One incident per job + signal while open (per worker + signal for worker-level incidents, whose
 * job_id is null). Acknowledgement, resolution and the silence that covers it; routed_at and
 * resolution_routed_at mark the incident as handed to the notification channels (the notify stage).
 */
export const incidents = pgTable(
  'incidents',
  {
    id: uuid('id').primaryKey(),
    jobId: text('job_id'),
    /** the worker whose evidence opened it, else the lease holder; for a worker-level incident the worker */
    workerId: text('worker_id'),
    signal: text('signal', { enum: SIGNALS }).notNull(),
    severity: text('severity').notNull().default('warning'),
    status: text('status', { enum: INCIDENT_STATUSES }).notNull(),
    /** when the first failing evidence happened (for MTTD) */
    firstFailureAt: ts('first_failure_at').notNull(),
    detectedAt: ts('detected_at').notNull(),
    acknowledgedAt: ts('acknowledged_at'),
    acknowledgedBy: text('acknowledged_by'),
    acknowledgementNote: text('acknowledgement_note'),
    resolvedAt: ts('resolved_at'),
    resolvedBy: text('resolved_by'),
    resolution: text('resolution'),
    silencedBy: uuid('silenced_by'),
    evidenceEventIds: jsonb('evidence_event_ids')
      .$type<string[]>()
      .notNull()
      .default(sql`'[]'::jsonb`),
    details: jsonb('details')
      .$type<Record<string, unknown>>()
      .notNull()
      .default(sql`'{}'::jsonb`),
    ruleVersion: integer('rule_version').notNull(),
    routedAt: ts('routed_at'),
    resolutionRoutedAt: ts('resolution_routed_at'),
  },
  (t) => [
    uniqueIndex('incidents_one_open_idx')
      .on(t.jobId, t.signal)
      .where(sql`${t.status} = 'open'`),
    uniqueIndex('incidents_one_open_worker_idx')
      .on(t.workerId, t.signal)
      .where(sql`${t.status} = 'open' and ${t.jobId} is null`),
    index('incidents_job_id_idx').on(t.jobId),
    index('incidents_worker_id_idx').on(t.workerId),
    index('incidents_status_idx').on(t.status, t.detectedAt),
    index('incidents_detected_at_idx').on(t.detectedAt),
    // the overview's open incidents by signal (how many, unacknowledged, the oldest), index-only
    index('incidents_open_signal_idx')
      .on(t.signal, t.detectedAt, t.acknowledgedAt)
      .where(sql`${t.status} = 'open'`),
    index('incidents_unrouted_idx')
      .on(t.detectedAt)
      .where(sql`${t.routedAt} IS NULL`),
    index('incidents_resolution_unrouted_idx')
      .on(t.resolvedAt)
      .where(sql`${t.status} = 'resolved' AND ${t.resolutionRoutedAt} IS NULL`),
    index('incidents_unacknowledged_idx')
      .on(t.detectedAt)
      .where(sql`${t.status} = 'open' AND ${t.acknowledgedAt} IS NULL`),
    ...enumCheckConstraints('incidents'),
  ],
);

/**
 * Every worker the console has seen: a call authenticated with a token bound to it, or evidence naming
 * it. `last_seen_at` is written at most every few seconds per worker and process (lib/watchdog/fleet/seen.ts).
 */
export const workers = pgTable(
  'workers',
  {
    workerId: text('worker_id').primaryKey(),
    firstSeenAt: ts('first_seen_at').notNull(),
    lastSeenAt: ts('last_seen_at').notNull(),
    /** from `User-Agent: watchdog-runner/<version>` of its last runner request */
    runnerVersion: text('runner_version'),
    /** set when the sweep opened worker_silent for the current silence; cleared when it is seen again */
    silentDetectedAt: ts('silent_detected_at'),
  },
  (t) => [
    index('workers_last_seen_idx').on(t.lastSeenAt),
    index('workers_watch_idx')
      .on(t.lastSeenAt)
      .where(sql`${t.silentDetectedAt} is null`),
  ],
);

/** Silences: while active, matching incidents are recorded but nobody is notified. */
export const silences = pgTable(
  'silences',
  {
    id: uuid('id').primaryKey(),
    signal: text('signal'),
    workerId: text('worker_id'),
    jobId: text('job_id'),
    startsAt: ts('starts_at').notNull(),
    endsAt: ts('ends_at').notNull(),
    comment: text('comment').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: ts('created_at').notNull(),
    endedBy: text('ended_by'),
  },
  (t) => [index('silences_window_idx').on(t.endsAt, t.startsAt)],
);

/** Where people are told: webhook, Slack, LINE, email. The config's secrets are sealed (AES-256-GCM). */
export const notificationChannels = pgTable(
  'notification_channels',
  {
    id: uuid('id').primaryKey(),
    name: text('name').notNull(),
    kind: text('kind').notNull(),
    /** the config as answers show it: secrets replaced by "***" */
    config: jsonb('config').notNull(),
    /** the whole config, encrypted */
    sealedConfig: text('sealed_config').notNull(),
    signals: jsonb('signals').$type<string[] | null>(),
    minSeverity: text('min_severity').notNull().default('warning'),
    level: integer('level').notNull().default(1),
    afterS: integer('after_s').notNull().default(900),
    enabled: boolean('enabled').notNull().default(true),
    createdBy: text('created_by').notNull(),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [
    index('notification_channels_level_idx')
      .on(t.level)
      .where(sql`${t.enabled}`),
  ],
);

/** Versioned watchdog rules; the highest version is in force. */
export const ruleSets = pgTable(
  'rule_sets',
  {
    version: integer('version').primaryKey(),
    rules: jsonb('rules').notNull(),
    updatedAt: ts('updated_at').notNull(),
    updatedBy: text('updated_by').notNull(),
    updatedByRole: text('updated_by_role', { enum: ROLES }).notNull(),
  },
  () => enumCheckConstraints('rule_sets'),
);

/** Tamper-evident, hash-chained audit log. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: ts('at').notNull(),
    actor: text('actor').notNull(),
    actorRole: text('actor_role'),
    action: text('action').notNull(),
    target: text('target'),
    jobId: text('job_id'),
    outputHash: text('output_hash'),
    details: jsonb('details')
      .$type<Record<string, unknown>>()
      .notNull()
      .default(sql`'{}'::jsonb`),
    /** the place in the chain (gapless from 1), given by the linker; null until linked */
    pos: bigint('pos', { mode: 'number' }),
    /** null until linked, like hash */
    prevHash: text('prev_hash'),
    hash: text('hash'),
  },
  (t) => [
    index('audit_log_job_id_idx').on(t.jobId),
    index('audit_log_at_idx').on(t.at),
    uniqueIndex('audit_log_pos_idx').on(t.pos),
    index('audit_log_pending_idx')
      .on(t.id)
      .where(sql`${t.pos} is null`),
    check('audit_log_linked_check', sql`(${t.pos} is null) = (${t.hash} is null) and (${t.pos} is null) = (${t.prevHash} is null)`),
    // the audit filters (0011_console_reads)
    index('audit_log_action_idx').on(sql`${t.action} collate "C"`, t.id.desc()),
    index('audit_log_actor_idx').on(sql`${t.actor} collate "C"`, t.id.desc()),
  ],
);

export const apiTokens = pgTable(
  'api_tokens',
  {
    id: uuid('id').primaryKey(),
    name: text('name').notNull(),
    role: text('role', { enum: ROLES }).notNull(),
    workerId: text('worker_id'),
    tokenHash: text('token_hash').notNull(),
    prefix: text('prefix').notNull(),
    createdAt: ts('created_at').notNull(),
    createdBy: text('created_by').notNull(),
    revokedAt: ts('revoked_at'),
    lastUsedAt: ts('last_used_at'),
  },
  (t) => [uniqueIndex('api_tokens_token_hash_idx').on(t.tokenHash), ...enumCheckConstraints('api_tokens')],
);

/**
 * People who sign in to the console. `role` null: signed in through single sign-on and waiting for
 * an owner to give a role. `password_hash` null: single sign-on only. A disabled user's sessions are
 * refused from their next request.
 */
export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey(),
    email: text('email').notNull().unique(),
    role: text('role', { enum: USER_ROLES }),
    passwordHash: text('password_hash'),
    createdAt: ts('created_at').notNull(),
    disabled: boolean('disabled').notNull().default(false),
    lastSignInAt: ts('last_sign_in_at'),
    oidcIssuer: text('oidc_issuer'),
    oidcSubject: text('oidc_subject'),
    /** the console language the person chose (null: from the browser) */
    locale: text('locale', { enum: LOCALES }),
  },
  (t) => [
    uniqueIndex('users_oidc_identity_idx')
      .on(t.oidcIssuer, t.oidcSubject)
      .where(sql`${t.oidcSubject} is not null`),
    ...enumCheckConstraints('users'),
  ],
);

/** The recorded D30 decision(s) of the owner. */
export const d30Decisions = pgTable(
  'd30_decisions',
  {
    id: uuid('id').primaryKey(),
    decision: text('decision', { enum: D30_DECISIONS }).notNull(),
    note: text('note'),
    metrics: jsonb('metrics').notNull(),
    decidedBy: text('decided_by').notNull(),
    decidedAt: ts('decided_at').notNull(),
  },
  () => enumCheckConstraints('d30_decisions'),
);

/**
 * The outbox and delivery log: one row per message to one channel (channel_id null: the
 * WATCHDOG_WEBHOOK_URL webhook), retried with backoff until delivered or, after an hour, failed.
 */
export const notifications = pgTable(
  'notifications',
  {
    id: uuid('id').primaryKey(),
    kind: text('kind', { enum: NOTIFICATION_KINDS }).notNull(),
    jobId: text('job_id'),
    incidentId: uuid('incident_id'),
    channelId: uuid('channel_id'),
    channelName: text('channel_name'),
    channelKind: text('channel_kind').notNull().default('webhook'),
    payload: jsonb('payload').notNull(),
    status: text('status', { enum: NOTIFICATION_STATUSES }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: ts('next_attempt_at').notNull(),
    lastHttpStatus: integer('last_http_status'),
    lastError: text('last_error'),
    createdAt: ts('created_at').notNull(),
    deliveredAt: ts('delivered_at'),
  },
  (t) => [
    index('notifications_due_idx').on(t.status, t.nextAttemptAt),
    index('notifications_incident_id_idx').on(t.incidentId),
    index('notifications_created_at_idx').on(t.createdAt),
    uniqueIndex('notifications_once_per_channel_idx')
      .on(t.incidentId, t.channelId, t.kind)
      .where(sql`${t.incidentId} IS NOT NULL AND ${t.channelId} IS NOT NULL`),
    uniqueIndex('notifications_once_per_webhook_idx')
      .on(t.incidentId, t.kind)
      .where(sql`${t.incidentId} IS NOT NULL AND ${t.channelId} IS NULL`),
    ...enumCheckConstraints('notifications'),
  ],
);

/** What was learned from a stuck job: written by the system when an incident resolves, or by a person. */
export const learnings = pgTable(
  'learnings',
  {
    id: uuid('id').primaryKey(),
    jobId: text('job_id'),
    incidentId: uuid('incident_id'),
    /** the worker holding the job's lease when the learning was written */
    workerId: text('worker_id'),
    signal: text('signal'),
    learned: jsonb('learned')
      .$type<string[]>()
      .notNull()
      .default(sql`'[]'::jsonb`),
    nextWorkerShouldCheck: jsonb('next_worker_should_check')
      .$type<string[]>()
      .notNull()
      .default(sql`'[]'::jsonb`),
    assumptionsToTest: jsonb('assumptions_to_test')
      .$type<string[]>()
      .notNull()
      .default(sql`'[]'::jsonb`),
    source: text('source').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [
    index('learnings_created_at_idx').on(t.createdAt, t.id),
    index('learnings_signal_checks_idx')
      .on(t.signal, t.createdAt)
      .where(sql`jsonb_array_length(${t.nextWorkerShouldCheck}) > 0`),
    index('learnings_job_id_idx').on(t.jobId, t.createdAt),
    index('learnings_worker_id_idx').on(t.workerId, t.createdAt),
    uniqueIndex('learnings_one_system_per_incident_idx')
      .on(t.incidentId)
      .where(sql`${t.source} = 'system'`),
  ],
);
