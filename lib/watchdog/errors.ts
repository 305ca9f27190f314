/** The one typed error set of the domain. lib/http maps it to the API.md error shape. */
export type ErrorCode =
  | 'invalid_json'
  | 'validation_failed'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'lease_conflict'
  | 'stale_fencing_token'
  | 'artifact_gate_failed'
  | 'idempotency_conflict'
  | 'already_decided'
  | 'incident_resolved'
  | 'payload_too_large'
  | 'output_hash_mismatch'
  | 'rate_limited'
  | 'unsupported_media_type'
  | 'method_not_allowed'
  | 'internal_error';

export const errorStatus: Record<ErrorCode, number> = {
  invalid_json: 400,
  validation_failed: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  lease_conflict: 409,
  stale_fencing_token: 409,
  artifact_gate_failed: 409,
  idempotency_conflict: 409,
  already_decided: 409,
  incident_resolved: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  output_hash_mismatch: 422,
  rate_limited: 429,
  internal_error: 500,
};

export class WatchdogError extends Error {
  readonly code: ErrorCode;
  readonly details?: unknown;
  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'WatchdogError';
    this.code = code;
    this.details = details;
  }
  get status(): number {
    return errorStatus[this.code];
  }
}

export const notFound = (what: string, details?: unknown) => new WatchdogError('not_found', `${what} not found`, details);
export const forbidden = (message: string, details?: unknown) => new WatchdogError('forbidden', message, details);
export const conflict = (
  code: 'lease_conflict' | 'stale_fencing_token' | 'artifact_gate_failed' | 'idempotency_conflict' | 'already_decided' | 'incident_resolved',
  message: string,
  details?: unknown,
) => new WatchdogError(code, message, details);
export const validationFailed = (details: unknown, message = 'request does not match the schema') =>
  new WatchdogError('validation_failed', message, details);

export function isWatchdogError(e: unknown): e is WatchdogError {
  return e instanceof WatchdogError;
}
