import { expect, test } from '@playwright/test';
import { expectAccessible, expectNoOverflow } from './axe';
import { api, seeded, signIn } from './fixtures';

interface Incident {
  id: string;
  job_id: string | null;
  worker_id: string | null;
  signal: string;
  status: string;
  acknowledged_at: string | null;
  resolution: string | null;
}

const openIncidents = async () => (await api<{ incidents: Incident[] }>(seeded().tokens.supervisor, 'GET', '/api/watchdog/incidents?status=open&limit=200')).body.incidents;

test('on call: acknowledge, resolve with a note and silence from the incidents page; add a channel', async ({ page }) => {
  test.setTimeout(180_000);
  const withJob = (await openIncidents()).filter((i) => i.job_id);
  const first = withJob[0];
  const second = withJob.find((i) => i.job_id !== first?.job_id)!;
  expect(first && second, 'the e2e seed opens at least two job incidents').toBeTruthy();
  await signIn(page, 'owner');
  await page.goto('/incidents');
  await expect(page.getByRole('heading', { level: 1, name: 'Incidents' })).toBeVisible();
  const row = (i: Incident) => page.getByRole('list', { name: 'Incidents' }).locator(`li[data-incident-id="${i.id}"]`);
  await expect(row(first)).toBeVisible();
  await expectAccessible(page, 'incidents 1440');

  // acknowledge
  await row(first)
    .getByRole('button', { name: /^Acknowledge / })
    .click();
  await expect(row(first).getByText('acknowledged', { exact: true })).toBeVisible();
  const acked = (await openIncidents()).find((i) => i.id === first.id)!;
  expect(acked.acknowledged_at).toBeTruthy();

  // silence the other one, prefilled with its signal, worker and job, for 4 hours
  await row(second)
    .getByRole('button', { name: /^Silence / })
    .click();
  const silenceForm = page.getByRole('form', { name: /^Silence / });
  await expect(silenceForm.getByRole('checkbox', { name: /signal/ })).toBeChecked();
  await silenceForm.getByLabel('Duration').selectOption('4');
  await silenceForm.getByLabel('Why').fill('e2e: known flaky host');
  await expectAccessible(page, 'silence form');
  await silenceForm.getByRole('button', { name: 'Create silence' }).click();
  await expect(row(second).getByText('silenced', { exact: true })).toBeVisible();
  const silences = (
    await api<{ silences: { matchers: Record<string, string>; comment: string; state: string; ends_at: string }[] }>(seeded().tokens.owner, 'GET', '/api/watchdog/silences?state=active')
  ).body.silences;
  const made = silences.find((s) => s.comment === 'e2e: known flaky host')!;
  expect(made.matchers).toEqual({ signal: second.signal, ...(second.worker_id ? { worker_id: second.worker_id } : {}), job_id: second.job_id });
  expect(Math.abs(new Date(made.ends_at).getTime() - Date.now() - 4 * 3_600_000)).toBeLessThan(120_000);

  // resolve the first with a note (the note is required)
  await row(first)
    .getByRole('button', { name: /^Resolve / })
    .click();
  const resolveForm = page.getByRole('form', { name: /^Resolve / });
  await expect(resolveForm.getByRole('button', { name: 'Resolve incident' })).toBeDisabled();
  await resolveForm.getByLabel(/Resolution note/).fill('e2e: re-uploaded the artifact');
  // what was learned: the three lists of the learning memory, optional
  await resolveForm.getByText('What was learned (optional)').click();
  await resolveForm.getByLabel('Learned, item 1').fill('e2e: the artifact host lists uploads late');
  await resolveForm.getByLabel('Next worker should check, item 1').fill('e2e: wait for the listing before the check');
  await expectAccessible(page, 'resolve form with learnings');
  await resolveForm.getByRole('button', { name: 'Resolve incident' }).click();
  await expect(row(first)).toHaveCount(0); // it leaves the open list
  const resolved = (await api<{ incident: Incident }>(seeded().tokens.supervisor, 'GET', `/api/watchdog/incidents/${first.id}`)).body.incident;
  expect(resolved).toMatchObject({ status: 'resolved', resolution: 'e2e: re-uploaded the artifact' });
  const learned = (
    await api<{ learnings: { source: string; incident_id: string; learned: string[]; next_worker_should_check: string[] }[] }>(
      seeded().tokens.supervisor,
      'GET',
      `/api/watchdog/learnings?job_id=${first.job_id}`,
    )
  ).body.learnings.filter((l) => l.incident_id === first.id);
  expect(learned.map((l) => l.source).sort()).toEqual(['person', 'system']);
  expect(learned.find((l) => l.source === 'person')).toMatchObject({
    learned: ['e2e: the artifact host lists uploads late'],
    next_worker_should_check: ['e2e: wait for the listing before the check'],
  });

  // filters are kept in the URL
  await page.getByRole('radio', { name: 'Resolved' }).click();
  await expect(page).toHaveURL(/status=resolved/);
  await expect(row(first)).toBeVisible();

  // the incident's own page: acknowledgement, resolution and the delivery log
  await page.goto(`/incidents/${first.id}`);
  await expect(page.getByText('e2e: re-uploaded the artifact')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Delivery log' })).toBeVisible();
  await expectAccessible(page, 'incident detail 1440');

  await page.goto('/silences');
  await expect(page.getByRole('list', { name: 'Active silences' }).getByText('e2e: known flaky host')).toBeVisible();
  await expectAccessible(page, 'silences 1440');

  // a channel: Slack, its secret never shown again
  await page.goto('/settings/channels');
  await page.getByRole('button', { name: 'Add channel' }).click();
  const form = page.getByRole('form', { name: 'Add a channel' });
  await form.getByLabel('Channel name').fill('e2e ops slack');
  await form.getByLabel('Kind').selectOption('slack');
  await form.getByLabel('Incoming webhook URL').fill('https://hooks.slack.invalid/services/T000/B000/secretpart');
  await form.getByLabel('Level', { exact: true }).selectOption('2');
  await form.getByLabel(/Escalation delay/).fill('10');
  await expectAccessible(page, 'channel form');
  await form.getByRole('button', { name: 'Add channel' }).click();
  const item = page.getByRole('list', { name: 'Notification channels' }).getByRole('listitem').filter({ hasText: 'e2e ops slack' });
  await expect(item).toContainText('webhook_url:***');
  await expect(item).toContainText('level 2');
  await expect(page.getByText('secretpart')).toHaveCount(0);
  const channels = (await api<{ channels: { name: string; config: Record<string, string>; after_s: number }[] }>(seeded().tokens.owner, 'GET', '/api/watchdog/channels')).body.channels;
  expect(channels.find((c) => c.name === 'e2e ops slack')).toMatchObject({ config: { webhook_url: '***' }, after_s: 600 });
  // "Send test" shows the outcome (this host does not resolve: a failure, said plainly)
  await item.getByRole('button', { name: 'Send test to e2e ops slack' }).click();
  await expect(item.getByRole('status')).toContainText('Test failed');
  await expectAccessible(page, 'channels 1440');

  // the same pages on a phone
  await page.setViewportSize({ width: 390, height: 844 });
  for (const path of ['/incidents', `/incidents/${first.id}`, '/silences', '/settings/channels']) {
    await page.goto(path);
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    await page.waitForLoadState('networkidle');
    await expectAccessible(page, `${path} 390`);
    await expectNoOverflow(page, `${path} 390`);
  }
});
