import { expect, test } from '@playwright/test';
import { api, seeded, signIn } from './fixtures';

test.describe('rules', () => {
  test('a supervisor reads the rules but cannot change them', async ({ page }) => {
    test.setTimeout(90_000);
    await signIn(page, 'supervisor');
    await page.goto('/rules');
    await expect(page.getByRole('heading', { level: 1, name: 'Rules' })).toBeVisible();
    await expect(page.getByText('Only the owner changes thresholds')).toBeVisible();
    const input = page.getByLabel('Threshold for lease_near_expiry');
    await expect(input).toHaveValue('180', { timeout: 30_000 });
    await expect(input).not.toBeEditable();
    await expect(page.getByRole('button', { name: 'Publish' })).toBeDisabled();
    // the server refuses a supervisor's session too, whatever the page shows
    const status = await page.evaluate(async () => {
      const res = await fetch('/api/watchdog/rules', {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ rules: [{ signal: 'lease_near_expiry', threshold: 60 }] }),
      });
      return res.status;
    });
    expect(status).toBe(403);
    const rules = await api(seeded().tokens.supervisor, 'GET', '/api/watchdog/rules');
    expect(rules.body.rules.find((r: { signal: string }) => r.signal === 'lease_near_expiry').threshold).toBe(180);
  });

  test('an owner changes a threshold; a value the server would refuse cannot be submitted', async ({ page }) => {
    test.setTimeout(120_000);
    const { tokens } = seeded();
    const before = await api(tokens.owner, 'GET', '/api/watchdog/rules');
    await signIn(page, 'owner');
    await page.goto('/rules');
    const save = page.getByRole('button', { name: 'Publish' });
    // nothing changed: nothing to save
    await expect(page.getByLabel('Threshold for claim_no_output')).toHaveValue('30', { timeout: 30_000 });
    await expect(save).toBeDisabled();

    // the page checks with the server's schema: claim_no_output's timeout must be at least 1 s
    await page.getByLabel('Threshold for claim_no_output').fill('0');
    await expect(page.getByText('Must be at least 1')).toBeVisible();
    await expect(page.getByLabel('Threshold for claim_no_output')).toHaveAttribute('aria-invalid', 'true');
    await expect(save).toBeDisabled();
    await page.getByLabel('Threshold for claim_no_output').fill('thirty');
    await expect(page.getByText('Must be a number')).toBeVisible();
    await expect(save).toBeDisabled();
    expect((await api(tokens.owner, 'GET', '/api/watchdog/rules')).body.version).toBe(before.body.version);
    // ... and the server refuses the same value on its own, naming the rule and the field
    const refused = await api(tokens.owner, 'PUT', '/api/watchdog/rules', { rules: [{ signal: 'no_progress', threshold: 900, params: { quiet_s: -5 } }] });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'validation_failed', details: [expect.objectContaining({ path: 'rules.0.params.quiet_s', message: expect.stringContaining('no_progress') })] });

    await page.getByLabel('Threshold for claim_no_output').fill('30');
    await expect(save).toBeDisabled();
    await page.getByLabel('Threshold for lease_near_expiry').fill('240');
    await page.getByLabel('Threshold for no_progress').fill('1200');
    await page.getByLabel('no_progress Severity').selectOption('critical');
    await page.getByRole('switch', { name: /Detect loop_detected/ }).click();
    await expect(page.getByRole('switch', { name: /Detect loop_detected/ })).toHaveAttribute('aria-checked', 'false');
    await page.getByLabel('Change note').fill('uploads take longer on the new hosts');
    await expect(save).toBeEnabled();
    await save.click();
    const version = before.body.version + 1;
    await expect(page.getByText(`Saved as version ${version}`)).toBeVisible();
    await expect(page.getByRole('heading', { name: `Rules in force · v${version}` })).toBeVisible();
    await expect(save).toBeDisabled();

    const after = await api(tokens.supervisor, 'GET', '/api/watchdog/rules');
    expect(after.body.version).toBe(version);
    expect(after.body.updated_by).toBe('owner:owner@example.test');
    const rule = (s: string) => after.body.rules.find((r: { signal: string }) => r.signal === s);
    expect(rule('lease_near_expiry')).toMatchObject({ threshold: 240, params: { within_s: 240 } });
    expect(rule('no_progress')).toMatchObject({ threshold: 1200, enabled: true, params: { quiet_s: 1200, severity: 'critical' } });
    expect(rule('loop_detected')).toMatchObject({ enabled: false });
    // the same rules again: the version in force answers, none is created
    const same = await api(tokens.owner, 'PUT', '/api/watchdog/rules', { rules: [{ signal: 'no_progress', threshold: 1200 }] });
    expect(same).toMatchObject({ status: 200, body: { version } });
    // the version history shows the change
    const history = page.getByRole('list', { name: 'Rule versions' });
    await expect(history.getByRole('listitem').first()).toContainText(`v${version}`);
    await expect(history.getByRole('listitem').first()).toContainText('Lease near expiry: 180 → 240');
    // put things back for the other specs
    await api(tokens.owner, 'PUT', '/api/watchdog/rules', {
      rules: [
        { signal: 'lease_near_expiry', threshold: 180 },
        { signal: 'no_progress', threshold: 900, params: { severity: 'warning' } },
        { signal: 'loop_detected', threshold: 5, enabled: true },
      ],
    });
  });
});
