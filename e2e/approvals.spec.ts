import { expect, test } from '@playwright/test';
import { api, seeded, signIn } from './fixtures';

test.describe('approvals', () => {
  test('a supervisor approves a pending release: the row leaves at once and the lease is released with a bumped fencing token', async ({ page }) => {
    const { tokens, jobs } = seeded();
    const before = await api(tokens.supervisor, 'GET', `/api/watchdog/job-leases/${jobs.release}`);
    expect(before.status).toBe(200);
    expect(before.body.lease.state).toBe('active');

    await signIn(page, 'supervisor');
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: /Approvals/ })
      .click();
    await expect(page.getByRole('heading', { level: 1, name: 'Approvals' })).toBeVisible();
    const row = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: jobs.release }) });
    await expect(row).toBeVisible();
    await expect(row).toContainText('release');
    await expect(row).toContainText('Fetch failed');
    await expect(row).toContainText('system:e2e-runner');
    await expect(row).toContainText('1 evidence event');

    // the evidence behind the request: the lease and the failing command's output
    await row.getByRole('button', { name: 'Show evidence' }).click();
    await expect(row.getByText('500 TypeError: fetch failed', { exact: true })).toBeVisible();

    // no reload: a marker on window survives only if the page is not reloaded
    await page.evaluate(() => ((window as unknown as { __marker: number }).__marker = 42));
    await row.getByRole('button', { name: 'Approve' }).click();
    await expect(page.getByRole('heading', { name: jobs.release })).toHaveCount(0);
    await expect(page.getByRole('status').filter({ hasText: 'Release approved' })).toBeVisible();
    expect(await page.evaluate(() => (window as unknown as { __marker?: number }).__marker)).toBe(42);

    const after = await api(tokens.supervisor, 'GET', `/api/watchdog/job-leases/${jobs.release}`);
    expect(after.body.lease.state).toBe('released');
    expect(after.body.lease.fencing_token).toBe(before.body.lease.fencing_token + 1);
    const pending = await api(tokens.supervisor, 'GET', '/api/watchdog/repair-actions?status=pending');
    expect(pending.body.actions.map((a: { job_id: string }) => a.job_id)).not.toContain(jobs.release);
  });

  test('a decision that lost the race shows "already decided"', async ({ page }) => {
    const { tokens, jobs } = seeded();
    const req = await api(tokens.system, 'POST', '/api/watchdog/repair-actions', { job_id: jobs.race, trigger: 'operator', action: 'release', authority: 'system', note: 'race test' });
    expect(req.status).toBe(201);

    await signIn(page, 'supervisor');
    await page.goto('/approvals');
    const row = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: jobs.race }) });
    await expect(row).toBeVisible();
    // Another supervisor decides first. This page's next poll has not landed yet: hold the
    // list's refreshes so the page still shows the request when we click.
    await page.route('**/api/watchdog/repair-actions?status=pending*', (route) => route.abort());
    const other = await api(tokens.supervisor, 'POST', `/api/watchdog/repair-actions/${req.body.action.id}/decision`, { decision: 'reject', note: 'decided elsewhere' });
    expect(other.status).toBe(200);

    await row.getByRole('button', { name: 'Approve' }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'Already decided' })).toContainText('already rejected by supervisor:e2e-supervisor');
    await expect(page.getByRole('heading', { name: jobs.race })).toHaveCount(0);
    const lease = await api(tokens.supervisor, 'GET', `/api/watchdog/job-leases/${jobs.race}`);
    expect(lease.body.lease.state).toBe('active');
  });

  test('an owner sees the requests read-only, with the reason', async ({ page }) => {
    await signIn(page, 'owner');
    await page.goto('/approvals');
    const row = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: seeded().jobs.reclaim }) });
    await expect(row).toBeVisible();
    await expect(row.getByRole('button', { name: 'Approve' })).toBeDisabled();
    await expect(row.getByRole('button', { name: 'Reject' })).toBeDisabled();
    await expect(page.getByText('only a supervisor can approve or reject them')).toBeVisible();
    // and the server refuses it too
    const status = await page.evaluate(async () => {
      const list = await (await fetch('/api/watchdog/repair-actions?status=pending')).json();
      const res = await fetch(`/api/watchdog/repair-actions/${list.actions[0].id}/decision`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ decision: 'approve' }),
      });
      return res.status;
    });
    expect(status).toBe(403);
  });
});
