import { expect, type Page, test } from '@playwright/test';
import { api, seeded, signIn } from './fixtures';

// a shared, busy machine: sign-ins and polls take their time
test.describe.configure({ timeout: 90_000 });

/** A job with an active lease held by `worker` (through the system token). */
async function leaseFor(job: string, worker: string) {
  const r = await api(seeded().tokens.system, 'PATCH', `/api/watchdog/job-leases/${job}`, { worker_id: worker, lease_expires_at: new Date(Date.now() + 3600_000).toISOString() });
  expect(r.status).toBe(200);
  return r.body.lease;
}
async function requestFor(job: string, action: 'release' | 'reclaim', note = 'e2e request') {
  const r = await api(seeded().tokens.system, 'POST', '/api/watchdog/repair-actions', { job_id: job, trigger: 'operator', action, authority: 'system', note });
  expect(r.status).toBe(201);
  return r.body.action as { id: string };
}
const card = (page: Page, job: string) => page.locator(`li[data-job="${job}"]`);
const cardOrder = (page: Page) => page.locator('li[data-job]').evaluateAll((els) => els.map((e) => e.getAttribute('data-job')));

/** Every enabled button in the main area is on top where it is drawn: nothing (a toast) covers it. */
async function coveredButtons(page: Page) {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll<HTMLButtonElement>('main button'))
      .filter((b) => {
        const r = b.getBoundingClientRect();
        if (!r.width || !r.height || r.bottom < 0 || r.top > window.innerHeight) return false;
        const top = document.elementFromPoint(r.left + r.width / 2, Math.min(window.innerHeight - 1, r.top + r.height / 2));
        return top !== null && !b.contains(top);
      })
      .map((b) => b.getAttribute('aria-label') ?? b.textContent),
  );
}

test.describe('approvals', () => {
  test('Approve asks in place naming the job and the worker; Cancel changes nothing; oldest first; one card per job with its lease', async ({ page }) => {
    const { jobs, tokens } = seeded();
    await leaseFor('job-e2e-group', 'w-group');
    await requestFor('job-e2e-group', 'release');
    await requestFor('job-e2e-group', 'reclaim');

    await signIn(page, 'supervisor');
    await page.goto('/approvals');
    const group = card(page, 'job-e2e-group');
    await expect(group).toBeVisible();
    // oldest first: the seeded release (8 min old), then the swept reclaim, then the new job
    const order = await cardOrder(page);
    expect(order.indexOf(jobs.release)).toBeLessThan(order.indexOf(jobs.reclaim));
    expect(order.indexOf(jobs.reclaim)).toBeLessThan(order.indexOf('job-e2e-group'));
    // both requests of the job in one card, with the lease: state, holder, last heartbeat
    await expect(group.getByRole('list', { name: 'Requests for job-e2e-group' }).getByRole('listitem')).toHaveCount(2);
    await expect(group).toContainText('Active');
    await expect(group).toContainText('w-group');
    await expect(group).toContainText('Last heartbeat');

    // keyboard: Approve → the question, focus on Confirm; Cancel → back on Approve; nothing decided
    const approve = group.getByRole('button', { name: 'Approve the release of job-e2e-group' });
    await approve.focus();
    await page.keyboard.press('Enter');
    await expect(group.getByText('Release job-e2e-group from w-group?')).toBeVisible();
    await expect(group.getByRole('button', { name: 'Confirm' })).toBeFocused();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await expect(group.getByText('Release job-e2e-group from w-group?')).toHaveCount(0);
    await expect(approve).toBeFocused();
    await group.getByRole('button', { name: 'Reject the reclaim of job-e2e-group' }).click();
    await expect(group.getByText('Reject the reclaim of job-e2e-group? w-group keeps the job.')).toBeVisible();
    await group.getByRole('button', { name: 'Cancel' }).click();
    const pending = await api(tokens.supervisor, 'GET', '/api/watchdog/repair-actions?status=pending&job_id=job-e2e-group');
    expect(pending.body.actions).toHaveLength(2);
    // the answer behind the page carries the lease (additive field)
    expect(pending.body.actions[0].lease).toMatchObject({ worker_id: 'w-group', state: 'active' });
  });

  for (const viewport of [
    { width: 1440, height: 900 },
    { width: 390, height: 844 },
  ]) {
    test(`a confirmed approval fences the holder off, says so in place and moves focus to the next request (${viewport.width} px)`, async ({ page }) => {
      const { tokens } = seeded();
      const job = `job-e2e-focus-${viewport.width}`;
      const next = `job-e2e-next-${viewport.width}`;
      const before = await leaseFor(job, 'w-focus');
      await requestFor(job, 'release');
      await leaseFor(next, 'w-next');
      await requestFor(next, 'release');

      await page.setViewportSize(viewport);
      await signIn(page, 'supervisor');
      await page.goto('/approvals');
      await page.evaluate(() => ((window as unknown as { __marker: number }).__marker = 42));
      const row = card(page, job);
      await row.getByRole('button', { name: `Approve the release of ${job}` }).click();
      await row.getByRole('button', { name: 'Confirm' }).click();
      await expect(page.getByTestId('decision-outcome')).toContainText(`Release of ${job} approved`);
      await expect(card(page, job)).toHaveCount(0);
      await expect(card(page, next).getByRole('button', { name: `Approve the release of ${next}` })).toBeFocused();
      expect(await page.evaluate(() => (window as unknown as { __marker?: number }).__marker)).toBe(42);
      // no toast (nor anything else) lies over a button of the list
      expect(await coveredButtons(page)).toEqual([]);

      const after = await api(tokens.supervisor, 'GET', `/api/watchdog/job-leases/${job}`);
      expect(after.body.lease.state).toBe('released');
      expect(after.body.lease.fencing_token).toBe(before.fencing_token + 1);
    });
  }

  test('new requests wait behind a "new requests" bar: the list does not move under the pointer', async ({ page }) => {
    await signIn(page, 'supervisor');
    await page.goto('/approvals');
    const first = page.locator('li[data-job]').first();
    await expect(first).toBeVisible();
    const orderBefore = await cardOrder(page);
    const y = (await first.boundingBox())!.y;
    await leaseFor('job-e2e-late', 'w-late');
    await requestFor('job-e2e-late', 'release');
    const bar = page.getByRole('button', { name: 'Show the new request' });
    await expect(bar).toBeVisible({ timeout: 15_000 });
    await expect(page.getByText('1 new request', { exact: true })).toBeVisible();
    await expect(card(page, 'job-e2e-late')).toHaveCount(0);
    expect(await cardOrder(page)).toEqual(orderBefore);
    expect((await first.boundingBox())!.y).toBe(y);
    await bar.click();
    await expect(card(page, 'job-e2e-late')).toBeVisible();
    await expect(card(page, 'job-e2e-late').getByRole('button', { name: 'Approve the release of job-e2e-late' })).toBeFocused();
  });

  test('an obsolete request leaves the queue: server-side when another decision releases the job, and on screen in place', async ({ page }) => {
    const { tokens } = seeded();
    const job = 'job-e2e-obsolete';
    await leaseFor(job, 'w-obs');
    const release = await requestFor(job, 'release');
    const reclaim = await requestFor(job, 'reclaim');
    await signIn(page, 'supervisor');
    await page.goto('/approvals');
    const row = card(page, job);
    await expect(row.getByRole('listitem')).toHaveCount(2);
    // another supervisor approves the release elsewhere: the reclaim becomes obsolete on the server
    const decided = await api(tokens.supervisor, 'POST', `/api/watchdog/repair-actions/${release.id}/decision`, { decision: 'approve' });
    expect(decided.status).toBe(200);
    const all = await api(tokens.supervisor, 'GET', `/api/watchdog/repair-actions?status=all&job_id=${job}`);
    expect(all.body.actions.find((a: { id: string }) => a.id === reclaim.id)).toMatchObject({ result: 'obsolete', decided_by: 'system' });
    const pending = await api(tokens.supervisor, 'GET', `/api/watchdog/repair-actions?status=pending&job_id=${job}`);
    expect(pending.body.actions).toEqual([]);
    // the page keeps the card where it was, marked, without buttons, until dismissed
    await expect(row.getByText('no longer pending')).toHaveCount(2, { timeout: 25_000 });
    await expect(row.getByRole('button', { name: /^Approve/ })).toHaveCount(0);
    await row.getByRole('button', { name: 'Dismiss' }).click();
    await expect(card(page, job)).toHaveCount(0);
    await page.reload();
    await expect(page.getByRole('heading', { level: 1, name: 'Approvals' })).toBeVisible();
    await expect(card(page, job)).toHaveCount(0);
  });

  test('a decision that lost the race shows "already decided"', async ({ page }) => {
    const { tokens, jobs } = seeded();
    const req = await api(tokens.system, 'POST', '/api/watchdog/repair-actions', { job_id: jobs.race, trigger: 'operator', action: 'release', authority: 'system', note: 'race test' });
    expect(req.status).toBe(201);

    await signIn(page, 'supervisor');
    await page.goto('/approvals');
    const row = card(page, jobs.race);
    await expect(row).toBeVisible();
    // Another supervisor decides first. This page's next poll has not landed yet: hold the
    // list's refreshes so the page still shows the request when we click.
    await page.route('**/api/watchdog/repair-actions?status=pending*', (route) => route.abort());
    const other = await api(tokens.supervisor, 'POST', `/api/watchdog/repair-actions/${req.body.action.id}/decision`, { decision: 'reject', note: 'decided elsewhere' });
    expect(other.status).toBe(200);

    await row.getByRole('button', { name: /^Approve/ }).click();
    await row.getByRole('button', { name: 'Confirm' }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'Already decided' })).toContainText('already rejected by supervisor:e2e-supervisor');
    await expect(card(page, jobs.race)).toHaveCount(0);
    const lease = await api(tokens.supervisor, 'GET', `/api/watchdog/job-leases/${jobs.race}`);
    expect(lease.body.lease.state).toBe('active');
  });

  test('an owner sees the requests read-only, with the reason', async ({ page }) => {
    await signIn(page, 'owner');
    await page.goto('/approvals');
    const row = card(page, seeded().jobs.reclaim);
    await expect(row).toBeVisible();
    await expect(row.getByRole('button', { name: /^Approve/ })).toBeDisabled();
    await expect(row.getByRole('button', { name: /^Reject/ })).toBeDisabled();
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

  test('the seeded release shows its evidence: trigger, asker, the failing output', async ({ page }) => {
    const { jobs } = seeded();
    await signIn(page, 'supervisor');
    await page.goto('/approvals');
    const row = card(page, jobs.release);
    await expect(row).toContainText('release');
    await expect(row).toContainText('Fetch failed');
    await expect(row).toContainText('system:e2e-runner');
    await expect(row).toContainText('1 evidence event');
    await row.getByRole('button', { name: 'Show evidence' }).click();
    await expect(row.getByText('500 TypeError: fetch failed', { exact: true })).toBeVisible();
  });
});
