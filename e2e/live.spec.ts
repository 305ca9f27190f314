import { createHash, randomUUID } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { api, seeded, signIn } from './fixtures';

test('new incidents and approvals appear without a reload', async ({ page }) => {
  const { tokens } = seeded();
  const job = `job-e2e-live-${randomUUID().slice(0, 6)}`;
  await signIn(page, 'supervisor');
  await page.goto('/incidents');
  await expect(page.getByRole('heading', { level: 1, name: 'Incidents' })).toBeVisible();
  await expect(page.getByRole('link', { name: job })).toHaveCount(0);
  await page.evaluate(() => ((window as unknown as { __marker: number }).__marker = 7));

  // a worker reports a fetch failure through the API
  const lease = await api(tokens.worker, 'PATCH', `/api/watchdog/job-leases/${job}`, { worker_id: 'w-1', lease_expires_at: new Date(Date.now() + 900_000).toISOString() });
  expect(lease.status).toBe(200);
  const output = '500 TypeError: fetch failed';
  const ev = await api(tokens.worker, 'POST', '/api/watchdog/helper-events', {
    id: randomUUID(),
    job_id: job,
    worker_id: 'w-1',
    command: `pls context ${job}`,
    phase: 'context',
    exit_code: 1,
    output,
    output_hash: 'sha256:' + createHash('sha256').update(output, 'utf8').digest('hex'),
  });
  expect(ev.status).toBe(201);
  await expect(page.locator('li[data-incident-id]').filter({ hasText: job })).toContainText('Fetch failed', { timeout: 15_000 });

  // the system asks for a release: the nav badge and the approvals list pick it up
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: /Approvals/ })
    .click();
  const pending = page.getByRole('list', { name: 'Pending requests' }).locator(':scope > li');
  await expect(page.getByRole('heading', { name: seeded().jobs.reclaim })).toBeVisible();
  const before = await pending.count();
  const req = await api(tokens.system, 'POST', '/api/watchdog/repair-actions', { job_id: job, trigger: 'fetch_failed', action: 'release', authority: 'system', note: 'live test' });
  expect(req.status).toBe(201);
  // the list never moves under the pointer: the new request waits behind the "new requests" bar
  const bar = page.getByRole('button', { name: /^Show (the new request|\d+ new requests)$/ });
  await expect(bar).toBeVisible({ timeout: 15_000 });
  await expect(pending).toHaveCount(before);
  await bar.click();
  await expect(page.getByRole('heading', { name: job })).toBeVisible();
  await expect(pending).toHaveCount(before + 1);
  expect(await page.evaluate(() => (window as unknown as { __marker?: number }).__marker)).toBe(7);
});
