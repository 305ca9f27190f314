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
  | 'job_finished'
  | 'last_owner'
  | 'email_taken'
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
  job_finished: 409,
  last_owner: 409,
  email_taken: 409,
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
export const validationFailed = (details: unknown, message = 'request does not match the schema') => new WatchdogError('validation_failed', message, details);

export function isWatchdogError(e: unknown): e is WatchdogError {
  return e instanceof WatchdogError;
}

/** The API.md error shape: `{"error": {"code", "message", "details"?}}`. */
export interface ErrorAnswer {
  error: { code: string; message: string; details?: unknown };
}

export function errorBody(code: ErrorCode | string, message: string, details?: unknown): ErrorAnswer {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

/** PostgreSQL "data exception" (SQLSTATE class 22): the input could not be stored, e.g. an out-of-range value. */
export function isDataException(e: unknown): boolean {
  for (let cur: unknown = e, i = 0; cur && i < 5; cur = (cur as { cause?: unknown }).cause, i++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code)) return true;
  }
  return false;
}

/**
 * The one function that turns any error into an answer, wherever answers are made (the route steps,
 * the local admin channel, batch elements, the node lane): a WatchdogError answers its own status
 * and code; a database data exception is the caller's input (400 validation_failed); anything else
 * is `known: false` and answers a bare 500 — no message, no internals, only `error_id` when given.
 */
export function errorToAnswer(e: unknown, errorId?: string): { status: number; body: ErrorAnswer; known: boolean } {
  if (isWatchdogError(e)) return { status: e.status, body: errorBody(e.code, e.message, e.details), known: true };
  if (isDataException(e)) {
    return {
      status: 400,
      body: errorBody('validation_failed', 'a value in the request cannot be stored', [{ path: '', message: 'a value is out of range or not representable' }]),
      known: true,
    };
  }
  return { status: 500, body: errorBody('internal_error', 'internal error', errorId ? { error_id: errorId } : undefined), known: false };
}
