import { expect, type Page, test } from '@playwright/test';
import { expectAccessible as expectAxe, expectNoOverflow } from './axe';
import { api, seeded, signIn } from './fixtures';

async function expectAccessible(page: Page) {
  await expectAxe(page, page.url());
  await expectNoOverflow(page, page.url());
}

for (const viewport of [
  { label: 'desktop', width: 1440, height: 900 },
  { label: 'phone', width: 390, height: 844 },
]) {
  test(`a supervisor adds a learning on the Learnings page at ${viewport.label} width`, async ({ page }) => {
    test.setTimeout(150_000); // three axe-core passes on a shared machine
    const { tokens } = seeded();
    await page.setViewportSize({ width: viewport.width, height: viewport.height });
    await signIn(page, 'supervisor');
    if (viewport.width < 1024) await page.getByRole('button', { name: 'Open menu' }).click();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Learnings' }).click();
    await expect(page).toHaveURL(/\/learnings$/);
    await expect(page.getByRole('heading', { level: 1, name: 'Learnings' })).toBeVisible();
    await expectAccessible(page);

    const marker = `queue 500s after deploy (${viewport.label} ${Date.now()})`;
    await page.getByRole('button', { name: 'Add learning' }).click();
    const form = page.getByRole('form', { name: 'Add learning' });
    await form.getByLabel('Signal').selectOption('fetch_failed');
    // nothing learned: the form says so and nothing is sent
    await form.getByRole('button', { name: 'Save learning' }).click();
    await expect(form.getByText('Write at least one thing that was learned.')).toBeVisible();
    await form.getByLabel('What was learned, item 1').fill(marker);
    await form.getByLabel('What the next worker should check, item 1').fill('Check the deploy status first');
    await form.getByRole('button', { name: 'Add row' }).nth(1).click();
    await form.getByLabel('What the next worker should check, item 2').fill('Retry context once after 3 s');
    await form.getByLabel('Assumptions to test, item 1').fill('Deploys explain most fetch failures');
    await expectAccessible(page);
    await form.getByRole('button', { name: 'Save learning' }).click();
    await expect(page.getByText('Learning added')).toBeVisible();

    // filter by signal: in the URL, and the new learning is listed with its lists
    await page.getByLabel('Signal').selectOption('fetch_failed');
    await expect(page).toHaveURL(/signal=fetch_failed/);
    const list = page.getByRole('list', { name: 'Learnings' });
    const item = list.getByRole('listitem').filter({ hasText: marker }).first();
    await expect(item).toBeVisible();
    await expect(item).toContainText('Check the deploy status first');
    await expect(item).toContainText('Retry context once after 3 s');
    await expect(item).toContainText('added by a person');
    await expectAccessible(page);

    // stored through the API as the supervisor, and handed back for the signal
    const stored = await api(tokens.owner, 'GET', '/api/watchdog/learnings?signal=fetch_failed&limit=50');
    const mine = stored.body.learnings.find((l: { learned: string[] }) => l.learned[0] === marker);
    expect(mine).toMatchObject({
      source: 'person',
      signal: 'fetch_failed',
      created_by: expect.stringMatching(/^supervisor:/),
      next_worker_should_check: ['Check the deploy status first', 'Retry context once after 3 s'],
      assumptions_to_test: ['Deploys explain most fetch failures'],
    });

    // the filter survives a reload
    await page.reload();
    await expect(page.getByLabel('Signal')).toHaveValue('fetch_failed');
  });
}

test('the job story offers "Add learning" prefilled with the job', async ({ page }) => {
  test.setTimeout(90_000);
  const { jobs } = seeded();
  await signIn(page, 'owner');
  await page.goto(`/jobs/${jobs.story}`);
  await page.getByRole('link', { name: 'Add learning' }).click();
  await expect(page).toHaveURL(new RegExp(`/learnings\\?job_id=${jobs.story}&add=1`));
  const form = page.getByRole('form', { name: 'Add learning' });
  await expect(form.getByLabel('Job')).toHaveValue(jobs.story);
  await form.getByLabel('What was learned, item 1').fill('The story job needed one retry.');
  await form.getByRole('button', { name: 'Save learning' }).click();
  await expect(page.getByText('Learning added')).toBeVisible();
  await expect(page.getByRole('list', { name: 'Learnings' }).getByText('The story job needed one retry.')).toBeVisible();
  await expectAccessible(page);
});
