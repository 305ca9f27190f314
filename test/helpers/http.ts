import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { hashOutput } from '@/lib/watchdog/hash';
import type { TestServer } from './test-server';

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** The servers started by global setup (one per database kind). */
export function testServers(): TestServer[] {
  return inject('servers') ?? [];
}

/** A real HTTP call to a test server. `body` is JSON-encoded unless it is a string. */
export async function api<T = any>(server: Pick<TestServer, 'url'>, token: string | null, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
  const res = await fetch(server.url + path, {
    method,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

export const uniqueJob = (prefix = 'job') => `${prefix}-${randomUUID().slice(0, 8)}`;

export function helperEvent(over: Record<string, unknown> & { job_id: string; worker_id?: string; output?: string }) {
  const output = over.output ?? '{"ok":true}';
  return { id: randomUUID(), worker_id: 'w-1', command: 'pls context ' + over.job_id, phase: 'context', exit_code: 0, output, output_hash: hashOutput(output), duration_ms: 120, ...over };
}

export const inFuture = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString();
