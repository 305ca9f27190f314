import fs from 'node:fs';
import { expect, type Page } from '@playwright/test';
import type { E2eState } from './seed';

let cached: E2eState | null = null;

/** Credentials and job ids written by e2e/seed.ts. */
export function seeded(): E2eState {
  cached ??= JSON.parse(fs.readFileSync(process.env.E2E_STATE_FILE!, 'utf8')) as E2eState;
  return cached;
}

export const baseURL = () => `http://127.0.0.1:${process.env.E2E_PORT}`;

/** A real HTTP call to the console with a bearer token (checks state behind the browser's back). */
export async function api<T = any>(token: string | null, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(baseURL() + path, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed as T };
}

export async function signIn(page: Page, who: 'owner' | 'supervisor') {
  const user = seeded().users[who];
  await page.goto('/login');
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();
}
