import AxeBuilder from '@axe-core/playwright';
import { type Browser, type BrowserContext, expect as baseExpect, type Page, test } from '@playwright/test';
import { freePort, type OwnConsole, startOwnConsole } from './console-server';
import { type RunningIssuer, startOidcIssuer } from './oidc-issuer';

// Single sign-on against a real OpenID Connect provider on loopback, with a console of this
// spec's own (the shared e2e server has no OIDC settings): olivia's `groups` claim maps to owner,
// uma's maps to nothing, so she waits until olivia gives her a role on the People page.
const accounts = {
  olivia: { email: 'olivia@acme.test', name: 'Olivia Owner', groups: ['staff', 'watchdog-owners'] },
  uma: { email: 'uma@acme.test', name: 'Uma Unmapped', groups: ['engineering'] },
};

// two consoles and an identity provider on a shared machine: give each step room
const expect = baseExpect.configure({ timeout: 30_000 });

let issuer: RunningIssuer;
let own: OwnConsole;

test.describe.configure({ mode: 'serial' });
test.setTimeout(420_000);

test.beforeAll(async () => {
  test.setTimeout(150_000);
  const port = await freePort();
  issuer = await startOidcIssuer({ consoleUrl: `http://127.0.0.1:${port}`, accounts });
  own = await startOwnConsole(port, {
    WATCHDOG_OIDC_ISSUER: issuer.issuer,
    WATCHDOG_OIDC_CLIENT_ID: issuer.clientId,
    WATCHDOG_OIDC_CLIENT_SECRET: issuer.clientSecret,
    WATCHDOG_OIDC_NAME: 'Acme ID',
    WATCHDOG_OIDC_ROLE_CLAIM: 'groups',
    WATCHDOG_OIDC_ROLE_MAP: JSON.stringify({ 'watchdog-owners': 'owner', 'watchdog-supervisors': 'supervisor' }),
  });
});

test.afterAll(async () => {
  await own?.stop();
  await issuer?.stop();
});

async function newContext(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL: own.url, viewport: { width: 1440, height: 900 } });
  // the provider's own login page imports a web font; there is no network here
  await context.route(/^https:\/\/fonts\./, (r) => r.abort());
  return context;
}

/** "Sign in with Acme ID" → the provider's login and consent pages → back in the console. */
async function signInWithSso(page: Page, login: string) {
  await page.goto('/login');
  await page.getByRole('button', { name: 'Sign in with Acme ID' }).click();
  await expect(page).toHaveURL(new RegExp(`^${issuer.issuer}/`));
  await page.getByPlaceholder('Enter any login').fill(login);
  await page.getByPlaceholder('and password').fill('any-password');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page).toHaveURL(new RegExp(`^${own.url}/`));
}

async function expectAccessible(page: Page, what: string) {
  for (const width of [1440, 390]) {
    await page.setViewportSize({ width, height: width > 1000 ? 900 : 844 });
    const result = await new AxeBuilder({ page }).analyze();
    const bad = result.violations.filter((v) => v.impact === 'critical' || v.impact === 'serious').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    expect(bad, `${what} at ${width}px`).toEqual([]);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `${what} at ${width}px is wider than the viewport`).toBeLessThanOrEqual(0);
    await page.screenshot({ path: test.info().outputPath(`${what.replace(/\W+/g, '-')}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1440, height: 900 });
}

test('single sign-on: a mapped owner acts, an unmapped person waits until the owner gives a role, a disabled person is sent out', async ({ browser }) => {
  const ownerContext = await newContext(browser);
  const owner = await ownerContext.newPage();
  const umaContext = await newContext(browser);
  const uma = await umaContext.newPage();

  // the login page offers both ways
  await owner.goto('/login');
  await expect(owner.getByRole('button', { name: 'Sign in with Acme ID' })).toBeVisible();
  await expect(owner.getByLabel('Password')).toBeVisible();

  // olivia: groups → owner, straight into the console, with People in the menu
  await signInWithSso(owner, 'olivia');
  await expect(owner.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();
  await owner.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'People' }).click();
  await expect(owner.getByRole('heading', { level: 1, name: 'People' })).toBeVisible();
  const oliviaRow = owner.getByRole('listitem', { name: 'olivia@acme.test' });
  await expect(oliviaRow).toContainText('owner');
  await expect(oliviaRow).toContainText('single sign-on');
  await expect(oliviaRow).toContainText('last active owner');

  // uma: no mapped role → the waiting page, and the API refuses her everything (403)
  await signInWithSso(uma, 'uma');
  await expect(uma).toHaveURL(/\/waiting$/);
  await expect(uma.getByRole('heading', { level: 1, name: 'Waiting for an owner' })).toBeVisible();
  await expect(uma.getByText('uma@acme.test')).toBeVisible();
  for (const path of ['/api/watchdog/rules', '/api/watchdog/overview', '/api/watchdog/users']) {
    const r = await umaContext.request.get(path);
    expect(r.status(), path).toBe(403);
    expect((await r.json()).error.code).toBe('forbidden');
  }
  await uma.goto('/approvals');
  await expect(uma).toHaveURL(/\/waiting$/);
  await expectAccessible(uma, 'waiting page');

  // olivia gives uma the supervisor role on the People page
  await owner.reload();
  const umaRow = owner.getByRole('listitem', { name: 'uma@acme.test' });
  await expect(umaRow).toContainText('waiting for a role');
  await expectAccessible(owner, 'people page');
  await umaRow.getByLabel('Role of uma@acme.test').selectOption('supervisor');
  await expect(owner.getByRole('status').filter({ hasText: 'uma@acme.test is now supervisor' })).toBeVisible();
  await expect(umaRow).toContainText('active');

  // uma gets in (the waiting page checks again by itself)
  await expect(uma.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible({ timeout: 20_000 });
  expect((await umaContext.request.get('/api/watchdog/rules')).status()).toBe(200);
  expect((await umaContext.request.get('/api/watchdog/users')).status()).toBe(403);

  // the last active owner is protected, in words
  await oliviaRow.getByRole('button', { name: 'Disable olivia@acme.test' }).click();
  await oliviaRow.getByRole('button', { name: 'Confirm disable' }).click();
  await expect(oliviaRow.getByRole('alert')).toContainText('olivia@acme.test is the last active owner');
  await expect(oliviaRow.getByText('disabled', { exact: true })).toHaveCount(0);
  const stillOwner = ((await (await ownerContext.request.get('/api/watchdog/users')).json()).users as { email: string; role: string; disabled: boolean }[]).find((u) => u.email === 'olivia@acme.test');
  expect(stillOwner).toMatchObject({ role: 'owner', disabled: false });

  // olivia disables uma: uma's open session ends at her next request
  await umaRow.getByRole('button', { name: 'Disable uma@acme.test' }).click();
  await umaRow.getByRole('button', { name: 'Confirm disable' }).click();
  await expect(umaRow).toContainText('disabled');
  expect((await umaContext.request.get('/api/watchdog/rules')).status()).toBe(401);
  await uma.goto('/incidents');
  await expect(uma).toHaveURL(/\/login\?error=AccountDisabled$/);
  await expect(uma.getByRole('alert').filter({ hasText: 'Sign-in failed' })).toContainText('This account is disabled');
  // signing in again through the provider is refused as well
  await uma.getByRole('button', { name: 'Sign in with Acme ID' }).click();
  await expect(uma).toHaveURL(/\/login\?error=AccountDisabled$/, { timeout: 15_000 });

  // the audit log has every change
  const audit = await ownerContext.request.get('/api/watchdog/audit?limit=100');
  const actions = ((await audit.json()).entries as { action: string; details: { email?: string } }[]).filter((e) => e.action.startsWith('user.')).map((e) => `${e.action} ${e.details.email}`);
  expect(actions).toEqual(expect.arrayContaining(['user.create olivia@acme.test', 'user.create uma@acme.test', 'user.role uma@acme.test', 'user.disable uma@acme.test']));

  // an owner adds a person with a password; the short password is refused on the page first
  await owner.getByLabel('Email').fill('pat@acme.test');
  await owner.getByLabel('Initial password').fill('too-short');
  await expect(owner.getByText('3 more characters needed')).toBeVisible();
  await expect(owner.getByRole('button', { name: 'Add person' })).toBeDisabled();
  await owner.getByLabel('Initial password').fill('a-long-enough-password');
  await owner.getByRole('button', { name: 'Add person' }).click();
  await expect(owner.getByRole('listitem', { name: 'pat@acme.test' })).toContainText('supervisor');
  await owner.getByLabel('Email').fill('pat@acme.test');
  await owner.getByLabel('Initial password').fill('a-long-enough-password');
  await owner.getByRole('button', { name: 'Add person' }).click();
  await expect(owner.getByText('Email: already taken')).toBeVisible();

  await ownerContext.close();
  await umaContext.close();
});
