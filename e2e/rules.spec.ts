import { expect, test } from '@playwright/test';
import { api, seeded, signIn } from './fixtures';

test.describe('rules', () => {
  test('a supervisor reads the rules but cannot change them', async ({ page }) => {
    await signIn(page, 'supervisor');
    await page.goto('/rules');
    await expect(page.getByRole('heading', { level: 1, name: 'Rules' })).toBeVisible();
    await expect(page.getByText('Only the owner changes thresholds')).toBeVisible();
    const input = page.getByLabel('Threshold for lease_near_expiry');
    await expect(input).toHaveValue('180');
    await expect(input).not.toBeEditable();
    await expect(page.getByRole('button', { name: 'Save rules' })).toBeDisabled();
    // the server refuses a supervisor's session too, whatever the page shows
    const status = await page.evaluate(async () => {
      const res = await fetch('/api/watchdog/rules', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rules: [{ signal: 'lease_near_expiry', threshold: 60 }] }) });
      return res.status;
    });
    expect(status).toBe(403);
    const rules = await api(seeded().tokens.supervisor, 'GET', '/api/watchdog/rules');
    expect(rules.body.rules.find((r: { signal: string }) => r.signal === 'lease_near_expiry').threshold).toBe(180);
  });

  test('an owner changes a threshold; a value out of range shows the API field error', async ({ page }) => {
    const { tokens } = seeded();
    const before = await api(tokens.owner, 'GET', '/api/watchdog/rules');
    await signIn(page, 'owner');
    await page.goto('/rules');

    // the API knows the bounds: claim_no_output's timeout must be 1..3600 s
    await page.getByLabel('Threshold for claim_no_output').fill('0');
    await page.getByRole('button', { name: 'Save rules' }).click();
    await expect(page.getByText('must be between 1 and 3600')).toBeVisible();
    await expect(page.getByLabel('Threshold for claim_no_output')).toHaveAttribute('aria-invalid', 'true');
    expect((await api(tokens.owner, 'GET', '/api/watchdog/rules')).body.version).toBe(before.body.version);

    // a value that is not a number never leaves the browser
    await page.getByLabel('Threshold for claim_no_output').fill('thirty');
    await page.getByRole('button', { name: 'Save rules' }).click();
    await expect(page.getByText('Must be a number of zero or more')).toBeVisible();

    await page.getByLabel('Threshold for claim_no_output').fill('30');
    await page.getByLabel('Threshold for lease_near_expiry').fill('240');
    await page.getByLabel('Change note').fill('uploads take longer on the new hosts');
    await page.getByRole('button', { name: 'Save rules' }).click();
    const version = before.body.version + 1;
    await expect(page.getByText(`Saved as version ${version}`)).toBeVisible();
    await expect(page.getByRole('heading', { name: `Rules in force · v${version}` })).toBeVisible();

    const after = await api(tokens.supervisor, 'GET', '/api/watchdog/rules');
    expect(after.body.version).toBe(version);
    expect(after.body.updated_by).toBe('owner:owner@example.test');
    expect(after.body.rules.find((r: { signal: string }) => r.signal === 'lease_near_expiry')).toMatchObject({ threshold: 240, params: { within_s: 240 } });
    // the version history shows the change
    const history = page.getByRole('list', { name: 'Rule versions' });
    await expect(history.getByRole('listitem').first()).toContainText(`v${version}`);
    await expect(history.getByRole('listitem').first()).toContainText('Lease near expiry: 180 → 240');
  });
});
