import { expect, test } from '@playwright/test';
import { seeded, signIn } from './fixtures';

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
