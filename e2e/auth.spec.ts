import { expect, test } from '@playwright/test';
import { seeded, signIn } from './fixtures';

// a shared, busy machine: sign-ins and polls take their time
test.describe.configure({ timeout: 90_000 });

test.describe('sign-in', () => {
  test('an anonymous visitor is sent to /login from every console page', async ({ page }) => {
    for (const path of ['/', '/approvals', '/jobs/job-e2e-story', '/rules', '/metrics', '/settings/tokens']) {
      await page.goto(path);
      await expect(page).toHaveURL(/\/login$/);
    }
    await expect(page.getByRole('heading', { name: 'Sign in to the console' })).toBeVisible();
  });

  test('a wrong password shows an error and stays on /login', async ({ page }) => {
    await page.goto('/login');
    await page.getByLabel('Email').fill(seeded().users.supervisor.email);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'Sign-in failed' })).toContainText('Wrong email or password');
    await expect(page).toHaveURL(/\/login$/);
    // still anonymous: the console sends us back
    await page.goto('/');
    await expect(page).toHaveURL(/\/login$/);
  });

  test('a supervisor signs in, sees the overview, and signs out', async ({ page }) => {
    await signIn(page, 'supervisor');
    await expect(page.getByRole('heading', { name: 'Rollout progress' })).toBeVisible();
    for (const m of ['D1', 'D7', 'D14', 'D30']) await expect(page.getByRole('listitem', { name: new RegExp(`^${m} `) })).toBeVisible();
    // D14 is met by the seeded evidence; D1 is not (the owner has not confirmed the rules yet)
    await expect(page.getByRole('listitem', { name: /^D14 .*: done$/ })).toBeVisible();
    await expect(page.getByRole('listitem', { name: /^D1 Thresholds agreed: 0 of 1 done$/ })).toBeVisible();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(/\/login$/);
    await page.goto('/approvals');
    await expect(page).toHaveURL(/\/login$/);
  });

  test('throttled sign-in says "Too many attempts — try again in N s", counts down and waits it out', async ({ page }) => {
    test.setTimeout(90_000);
    await page.goto('/login');
    await page.getByLabel('Email').fill(seeded().users.supervisor.email);
    const alert = page.getByRole('alert').filter({ hasText: /Sign-in/ });
    // failed sign-ins from this address, all at once, past the burst the console allows (20)
    const { csrfToken } = await (await page.request.get('/api/auth/csrf')).json();
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        page.request.post('/api/auth/callback/credentials', { form: { csrfToken, email: seeded().users.supervisor.email, password: `wrong-password-${i}`, json: 'true' } }),
      ),
    );
    // then through the form until the throttle answers: enough failures to spend the burst (20) and what trickles back
    // (one every 5 s) even if none of the requests above were counted
    let throttled = false;
    for (let i = 0; i < 30 && !throttled; i++) {
      await page.getByLabel('Password').fill(`wrong-password-again-${i}`);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect(page.getByLabel('Password')).toHaveValue(''); // the answer came back
      throttled = /Too many attempts/.test((await alert.textContent()) ?? '');
    }
    expect(throttled).toBe(true);
    await expect(alert).toContainText(/Too many attempts — try again in \d+ s/);
    await expect(alert).not.toContainText('Wrong email or password');
    const first = Number(/try again in (\d+) s/.exec((await alert.textContent()) ?? '')![1]);
    expect(first).toBeGreaterThan(0);
    // the form waits out the retry-after: Sign in stays disabled, the seconds count down
    await page.getByLabel('Password').fill(seeded().users.supervisor.password);
    await expect(page.getByRole('button', { name: 'Sign in' })).toBeDisabled();
    if (first > 1) await expect(alert).toContainText(`try again in ${first - 1} s`, { timeout: 3_000 });
    await expect(page.getByRole('button', { name: 'Sign in' })).toBeEnabled({ timeout: (first + 3) * 1000 });
    // then the right password works again
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(/\/$/);
  });
});
