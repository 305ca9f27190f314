import { expect, test } from '@playwright/test';
import { api, seeded, signIn } from './fixtures';

// a shared, busy machine: sign-ins and polls take their time
test.describe.configure({ timeout: 90_000 });

test('a job story: found by search, told as a timeline with outputs, checks, repairs, incidents and audit', async ({ page }) => {
  const job = seeded().jobs.story;
  await signIn(page, 'supervisor');
  await page.goto('/jobs');
  await page.getByLabel('Search jobs').fill('e2e-story');
  const link = page.getByRole('link', { name: job });
  await expect(link).toBeVisible();
  await expect(page.getByRole('link', { name: seeded().jobs.release })).toHaveCount(0);
  await link.click();

  await expect(page).toHaveURL(new RegExp(`/jobs/${job}$`));
  await expect(page.getByRole('heading', { level: 1, name: `Job ${job}` })).toBeVisible();
  const timeline = page.getByRole('list', { name: 'Job timeline' });
  await expect(timeline.locator('[data-kind=lease]').first()).toContainText('Lease acquired');
  await expect(timeline.locator('[data-kind=lease]').last()).toContainText('Lease completed');
  await expect(timeline.locator('[data-kind=run]')).toHaveCount(3);
  await expect(timeline.locator('[data-kind=check]').filter({ hasText: 'Failed' })).toHaveCount(1);
  await expect(timeline.locator('[data-kind=check]').filter({ hasText: 'Passed' })).toHaveCount(1);
  await expect(timeline.locator('[data-kind=action]').filter({ hasText: 'Repair: Retry' })).toContainText('touch, waited 3 s, retried once');
  await expect(timeline.locator('[data-kind=action]').filter({ hasText: 'Repair: Block complete' })).toHaveCount(1);
  await expect(timeline.locator('[data-kind=incident]').filter({ hasText: 'Incident opened' }).first()).toBeVisible();
  await expect(timeline.locator('[data-kind=audit]').first()).toBeVisible();

  // the failing helper event: exit code, output hash, output expandable
  const failing = timeline.locator('[data-kind=event]').filter({ hasText: 'exit 1' });
  await expect(failing).toHaveCount(1);
  await expect(failing).toContainText('Fetch failed');
  await expect(failing).toContainText('sha256:');
  await expect(failing.getByText('fetchContext')).toHaveCount(0);
  await failing.getByRole('button', { name: /Show full output/ }).click();
  await expect(failing.getByText(/at async fetchContext/)).toBeVisible();

  // filter to one kind
  await page.getByRole('button', { name: /^Artifact checks/ }).click();
  await expect(timeline.locator('li')).toHaveCount(2);
  await expect(page.getByTestId('fencing-token')).toHaveText('1');
});

test('an unknown job shows a designed not-found state', async ({ page }) => {
  await signIn(page, 'supervisor');
  await page.goto('/jobs/no-such-job-here');
  await expect(page.getByText('No such job')).toBeVisible();
});

test('the job list shows each job its own open incidents and gate result', async ({ page }) => {
  await signIn(page, 'supervisor');
  await page.goto('/jobs');
  const row = (job: string) => page.getByRole('row').filter({ has: page.getByRole('link', { name: job, exact: true }) });
  await expect(row('job-e2e-healthy')).toContainText('no check');
  await expect(row('job-e2e-healthy').getByRole('cell').nth(6)).toHaveText('0');
  await expect(row('job-e2e-gate')).toContainText('failed');
  await expect(row('job-e2e-gate').getByRole('cell').nth(6)).toHaveText('1');
  await expect(row(seeded().jobs.story)).toContainText('passed');
  await expect(row(seeded().jobs.story).getByRole('cell').nth(6)).toHaveText('0');
});

test('a job with a failed artifact check is never "Healthy": its health is the worst of incidents and the latest check', async ({ page }) => {
  const job = seeded().jobs.gateFail;
  await signIn(page, 'supervisor');
  await page.goto(`/jobs/${job}`);
  const health = page.getByTestId('job-health');
  await expect(health).toContainText('Failing');
  await expect(health).toContainText('The latest artifact check failed');
  await expect(page.getByRole('region', { name: 'Lease' }).getByText('Healthy')).toHaveCount(0);
  // the story job's latest check passed and it completed: no failure shown
  await page.goto(`/jobs/${seeded().jobs.story}`);
  await expect(page.getByTestId('job-health')).toContainText('Completed');
});

test("the job story decides the job's pending requests and works its open incidents in place", async ({ page }) => {
  const { tokens } = seeded();
  const job = 'job-e2e-story-actions';
  const lease = await api(tokens.system, 'PATCH', `/api/watchdog/job-leases/${job}`, { worker_id: 'w-story', lease_expires_at: new Date(Date.now() + 3600_000).toISOString() });
  expect(lease.status).toBe(200);
  const req = await api(tokens.system, 'POST', '/api/watchdog/repair-actions', { job_id: job, trigger: 'operator', action: 'release', authority: 'system' });
  expect(req.status).toBe(201);
  // a failed check (a private host is refused) opens an artifact_gate_fail incident on the job
  const check = await api(tokens.system, 'POST', '/api/watchdog/artifact-checks', { job_id: job, primary_url: 'http://10.0.0.1/artifact' });
  expect(check.status).toBe(201);
  expect(check.body.check.passed).toBe(false);

  await signIn(page, 'supervisor');
  await page.goto(`/jobs/${job}`);
  const decisions = page.getByRole('region', { name: 'Pending decisions' });
  await decisions.getByRole('button', { name: `Reject the release of ${job}` }).click();
  await expect(decisions.getByText(`Reject the release of ${job}? w-story keeps the job.`)).toBeVisible();
  await expect(decisions.getByRole('button', { name: 'Confirm' })).toBeFocused();
  await decisions.getByRole('button', { name: 'Confirm' }).click();
  await expect(decisions.getByRole('status')).toContainText(`Release of ${job} rejected`);
  await expect(page.getByRole('heading', { name: 'Pending decisions' })).toBeFocused();
  const decided = await api(tokens.supervisor, 'GET', `/api/watchdog/repair-actions?status=all&job_id=${job}`);
  expect(decided.body.actions.find((a: { id: string }) => a.id === req.body.action.id)).toMatchObject({ decision: 'reject', result: 'failed' });

  const incidents = page.getByRole('region', { name: 'Open incidents' });
  await incidents.getByRole('button', { name: /^Acknowledge/ }).click();
  await expect(incidents.getByRole('button', { name: /^Resolve/ })).toBeFocused();
  await incidents.getByRole('button', { name: /^Resolve/ }).click();
  await incidents.getByLabel('Resolution note').fill('e2e: the artifact was re-uploaded');
  await incidents.getByRole('button', { name: 'Resolve incident' }).click();
  await expect(incidents.getByText('None open')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Open incidents' })).toBeFocused();
  const open = await api(tokens.supervisor, 'GET', `/api/watchdog/incidents?status=open&job_id=${job}`);
  expect(open.body.incidents).toEqual([]);
});
