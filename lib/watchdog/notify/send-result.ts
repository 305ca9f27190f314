/** The outcome of one attempt to send one message. */
export interface SendResult {
  ok: boolean;
  httpStatus?: number | null;
  error?: string;
}

export interface SendOptions {
  /** reach loopback/private hosts (default: WATCHDOG_ALLOW_PRIVATE_HOSTS=1) */
  allowPrivate?: boolean;
  /** per attempt (default 10 s) */
  timeoutMs?: number;
}

/** An HTTP answer as a send result: 2xx delivered, anything else an error naming the answer. */
export function httpResult(who: string, r: { status: number | null; error?: string }): SendResult {
  if (r.error) return { ok: false, httpStatus: r.status, error: r.error };
  if (r.status !== null && r.status >= 200 && r.status < 300) return { ok: true, httpStatus: r.status };
  return { ok: false, httpStatus: r.status, error: `${who} answered ${r.status}` };
}
