import { type ApiResponse, api } from './http';
import type { TestServer } from './test-server';

export interface AuditEntryJson {
  id: number;
  at: string;
  actor: string;
  actor_role: string | null;
  action: string;
  target: string | null;
  job_id: string | null;
  output_hash: string | null;
  details: Record<string, any>;
}

/**
 * The audit entries whose `details.request_id` is one of `ids` (the `x-request-id` the test sent),
 * read through GET /api/watchdog/audit with the owner token, newest first, page by page.
 */
export async function findAuditByRequestIds(server: Pick<TestServer, 'url' | 'tokens'>, ids: Iterable<string>, maxPages = 40): Promise<Map<string, AuditEntryJson>> {
  const want = new Set(ids);
  const found = new Map<string, AuditEntryJson>();
  let cursor: string | null = null;
  for (let page = 0; page < maxPages && found.size < want.size; page++) {
    const r: ApiResponse = await api(server, server.tokens.owner, 'GET', `/api/watchdog/audit?limit=500${cursor ? `&cursor=${cursor}` : ''}`);
    if (r.status !== 200) throw new Error(`audit read failed: ${r.status} ${JSON.stringify(r.body)}`);
    for (const e of r.body.entries as AuditEntryJson[]) {
      const id = e.details?.request_id;
      if (typeof id === 'string' && want.has(id)) found.set(id, e);
    }
    cursor = r.body.next_cursor;
    if (!cursor) break;
  }
  return found;
}
