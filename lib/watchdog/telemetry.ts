import client from 'prom-client';
import { currentRuntime } from './runtime';

export type Telemetry = ReturnType<typeof createTelemetry>;

/** Default gauges whose names end in `_total` (see createTelemetry). */
const TOTAL_NAMED_GAUGES = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** The process's metrics on a registry of its own (one per runtime). */
export function createTelemetry() {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'watchdog_process_' });
  // prom-client's default metrics include three gauges named `*_total`, which Prometheus reserves for
  // counters (`promtool check metrics` refuses them). Each repeats the sum of the by-type gauge of the
  // same name without `_total` (`sum(watchdog_process_nodejs_active_handles)`): they are not exposed.
  for (const name of TOTAL_NAMED_GAUGES) registry.removeSingleMetric(`watchdog_process_${name}`);
  return {
    registry,
    eventsIngested: new client.Counter({
      name: 'watchdog_helper_events_ingested_total',
      help: 'Helper events stored, by signal ("none" when healthy)',
      labelNames: ['signal'] as const,
      registers: [registry],
    }),
    gateResults: new client.Counter({
      name: 'watchdog_artifact_gate_results_total',
      help: 'Artifact checks and complete-gate answers, by result',
      labelNames: ['kind', 'result'] as const,
      registers: [registry],
    }),
    sweepDuration: new client.Histogram({
      name: 'watchdog_sweep_duration_seconds',
      help: 'Duration of one watchdog sweep',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    httpDuration: new client.Histogram({
      name: 'watchdog_http_request_duration_seconds',
      help: 'HTTP API latency by route, method and status',
      labelNames: ['route', 'method', 'status'] as const,
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    // read from the database at scrape time (renderPrometheusMetrics)
    openIncidents: new client.Gauge({
      name: 'watchdog_open_incidents',
      help: 'Incidents open now, by signal (read from the database at scrape time)',
      labelNames: ['signal'] as const,
      registers: [registry],
    }),
    pendingApprovals: new client.Gauge({
      name: 'watchdog_pending_approvals',
      help: 'Release/reclaim requests waiting for a supervisor, by action (read from the database at scrape time)',
      labelNames: ['action'] as const,
      registers: [registry],
    }),
  };
}

/** The telemetry of the runtime in force. */
export function telemetry(): Telemetry {
  return currentRuntime().telemetry;
}
