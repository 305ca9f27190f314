import AxeBuilder from '@axe-core/playwright';
import { expect, type Page, test } from '@playwright/test';
import { api, baseURL, seeded, signIn } from './fixtures';

async function expectAccessible(page: Page) {
  const result = await new AxeBuilder({ page }).analyze();
  const bad = result.violations.filter((v) => v.impact === 'critical' || v.impact === 'serious');
  expect(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
  // nothing wider than the viewport
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
}

for (const viewport of [
  { label: 'desktop', width: 1440, height: 900 },
  { label: 'phone', width: 390, height: 844 },
]) {
  test(`the fleet page and a worker page at ${viewport.label} width`, async ({ page }) => {
    test.setTimeout(180_000);
    // w-1's runner takes a job now: a call with a token bound to w-1 makes it seen, with its runner version
    const heartbeat = await fetch(`${baseURL()}/api/watchdog/job-leases/job-e2e-w1-${viewport.label}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${seeded().tokens.worker}`, 'content-type': 'application/json', 'user-agent': 'watchdog-runner/9.9.9' },
      body: JSON.stringify({ worker_id: 'w-1', lease_expires_at: new Date(Date.now() + 3600_000).toISOString() }),
    });
    expect(heartbeat.status).toBe(200);
    await page.setViewportSize({ width: viewport.width, height: viewport.height });
    await signIn(page, 'supervisor');
    if (viewport.label === 'phone') {
      await page.getByRole('button', { name: 'Open menu' }).click();
      await page.getByRole('dialog', { name: 'Menu' }).getByRole('link', { name: 'Workers' }).click();
    } else {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Workers' }).click();
    }
    await expect(page.getByRole('heading', { level: 1, name: 'Workers' })).toBeVisible();

    // the same list as the API, silent workers first
    const listed = await api(seeded().tokens.supervisor, 'GET', '/api/watchdog/workers');
    expect(listed.status).toBe(200);
    const ids: string[] = listed.body.workers.map((w: { worker_id: string }) => w.worker_id);
    expect(listed.body.workers[0]).toMatchObject({ worker_id: 'w-9', status: 'silent', runner_version: '1.3.0' });
    // the sighting is written off the request path: poll for it
    await expect
      .poll(async () => (await api(seeded().tokens.supervisor, 'GET', '/api/watchdog/workers')).body.workers.find((w: { worker_id: string }) => w.worker_id === 'w-1'))
      .toMatchObject({ status: 'working', current_job_id: `job-e2e-w1-${viewport.label}`, runner_version: '9.9.9' });

    const rows = viewport.label === 'desktop' ? page.getByRole('table').getByRole('row') : page.getByRole('list', { name: 'Workers, silent ones first' }).getByRole('listitem');
    await expect(rows.nth(viewport.label === 'desktop' ? 1 : 0)).toContainText('w-9');
    await expect(rows.nth(viewport.label === 'desktop' ? 1 : 0)).toContainText('silent');
    await expect(rows).toHaveCount(ids.length + (viewport.label === 'desktop' ? 1 : 0));
    const w1 = rows.filter({ has: page.getByRole('link', { name: 'w-1', exact: true }) });
    await expect(w1).toContainText('working', { timeout: 20_000 });
    await expect(w1).toContainText('9.9.9');
    await expect(w1).toContainText(/min left/);
    await expect(w1.getByRole('link', { name: `job-e2e-w1-${viewport.label}` })).toBeVisible();
    await expectAccessible(page);

    // one worker: its facts, its recent jobs and open incidents
    await page.getByRole('link', { name: 'w-2', exact: true }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Worker w-2' })).toBeVisible();
    await expect(page.getByRole('region', { name: 'Recent jobs' }).getByRole('link', { name: 'job-e2e-release' })).toBeVisible();
    await expect(page.getByRole('region', { name: 'Open incidents' })).toContainText('Fetch failed');
    await expectAccessible(page);

    // an unknown worker is a designed page, not an error
    await page.goto('/workers/w-nobody');
    await expect(page.getByText('No such worker')).toBeVisible();
  });
}
