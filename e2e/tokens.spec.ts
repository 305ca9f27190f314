import { expect, test } from '@playwright/test';
import { api, signIn } from './fixtures';

test('the owner creates a worker token (secret shown once), and revoking it locks it out', async ({ page }) => {
  await signIn(page, 'owner');
  await page.goto('/settings/tokens');
  await page.getByLabel('Name').fill('e2e-build-box');
  await page.getByLabel('Role').selectOption('worker');
  await page.getByLabel('Worker ID').fill('w-42');
  await page.getByRole('button', { name: 'Create token' }).click();
  const secretBox = page.getByLabel('New token secret');
  await expect(secretBox).toBeVisible();
  const secret = await secretBox.inputValue();
  expect(secret).toMatch(/^wdt_/);
  expect((await api(secret, 'GET', '/api/watchdog/rules')).status).toBe(200);

  const item = page.getByRole('list', { name: 'API tokens' }).getByRole('listitem').filter({ hasText: 'e2e-build-box' });
  await expect(item).toContainText('w-42');
  await expect(item).toContainText('active');
  await page.getByRole('button', { name: 'Done' }).click();
  await expect(secretBox).toHaveCount(0);

  await item.getByRole('button', { name: 'Revoke e2e-build-box' }).click();
  await item.getByRole('button', { name: 'Confirm revoke' }).click();
  await expect(item).toContainText('revoked');
  expect((await api(secret, 'GET', '/api/watchdog/rules')).status).toBe(401);
});

test('a supervisor sees the token page read-only', async ({ page }) => {
  await signIn(page, 'supervisor');
  await page.goto('/settings/tokens');
  await expect(page.getByText('Only the owner creates, lists and revokes API tokens')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Create token' })).toBeDisabled();
  await expect(page.getByLabel('Name')).toBeDisabled();
});
