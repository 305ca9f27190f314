import type { Account, Profile, User } from 'next-auth';
import type { OAuthConfig } from 'next-auth/providers/oauth';
import { log } from '@/lib/log';
import type { Actor } from '@/lib/watchdog/context';
import { signInOidcUser } from '@/lib/watchdog/access';
import { isWatchdogError } from '@/lib/watchdog/errors';
import { getRuntimeDatabase } from '@/lib/watchdog/runtime';
import { discoveryUrl, mapClaimToRole, type OidcConfig, oidcSettings } from './oidc-config';

export const OIDC_PROVIDER_ID = 'oidc';

type Claims = Profile & Record<string, unknown>;

/** next-auth's OAuth provider for the configured issuer: authorization code with PKCE and state, identity from the ID token. */
export function oidcProvider(config: OidcConfig): OAuthConfig<Claims> {
  return {
    id: OIDC_PROVIDER_ID,
    name: config.name,
    type: 'oauth',
    wellKnown: discoveryUrl(config),
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    authorization: { params: { scope: 'openid email profile' } },
    checks: ['pkce', 'state'],
    idToken: true,
    httpOptions: { timeout: 5000 },
    profile(claims) {
      const email = typeof claims.email === 'string' ? claims.email : typeof claims.preferred_username === 'string' && claims.preferred_username.includes('@') ? claims.preferred_username : null;
      return { id: String(claims.sub), email, name: typeof claims.name === 'string' ? claims.name : null };
    },
  };
}

/** The configured provider, or none when single sign-on is off. */
export function oidcProviders(): OAuthConfig<Claims>[] {
  const { config } = oidcSettings();
  return config ? [oidcProvider(config)] : [];
}

/** Where next-auth sends a refused single sign-on: the login page says why (components/login/sign-in-errors.ts). */
const refused = (code: 'AccountDisabled' | 'EmailInUse' | 'NoEmail') => `/login?error=${code}`;

/**
 * next-auth's signIn callback for a single sign-on: finds, links or creates the person (see
 * signInOidcUser) and puts our user id on the next-auth user, which the JWT then carries.
 */
export async function completeOidcSignIn(user: User, account: Account, profile: Profile | undefined): Promise<true | string> {
  const { config } = oidcSettings();
  if (!config) return refused('NoEmail');
  const claims = (profile ?? {}) as Record<string, unknown>;
  const subject = typeof claims.sub === 'string' ? claims.sub : account.providerAccountId;
  const issuer = typeof claims.iss === 'string' ? claims.iss : config.issuer;
  const actor: Actor = { role: 'system', id: 'sso', label: `sso:${new URL(config.issuer).host}`, via: 'session' };
  try {
    const { db } = await getRuntimeDatabase();
    const person = await signInOidcUser(
      { db, actor, now: new Date() },
      { issuer, subject, email: user.email ?? null, emailVerified: claims.email_verified === true, mappedRole: mapClaimToRole(claims, config) },
    );
    user.id = person.id;
    user.email = person.email;
    return true;
  } catch (e) {
    if (isWatchdogError(e)) {
      log.warn({ code: e.code, subject, issuer }, 'single sign-on refused');
      if (e.code === 'forbidden') return refused('AccountDisabled');
      if (e.code === 'email_taken') return refused('EmailInUse');
      if (e.code === 'validation_failed') return refused('NoEmail');
    }
    throw e;
  }
}

/**
 * At server start: is the issuer there? A clear log line either way; an issuer that does not
 * answer leaves password sign-in untouched (the button then explains that sign-on is unreachable).
 */
export async function checkOidcIssuer(): Promise<void> {
  const { config, problems } = oidcSettings();
  for (const p of problems) log.error(p);
  if (!config) return;
  const url = discoveryUrl(config);
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000), headers: { accept: 'application/json' } });
    if (!res.ok) throw new Error(`answered ${res.status}`);
    const doc = (await res.json()) as { issuer?: unknown };
    if (String(doc.issuer).replace(/\/+$/, '') !== config.issuer) throw new Error(`its discovery document names the issuer ${String(doc.issuer).slice(0, 200)}, not ${config.issuer}`);
    log.info({ issuer: config.issuer, name: config.name }, 'single sign-on ready');
  } catch (e) {
    const reason = e instanceof Error ? (e.cause instanceof Error ? `${e.message}: ${e.cause.message}` : e.message) : String(e);
    log.error(
      { issuer: config.issuer, discovery: url },
      `single sign-on: the issuer ${config.issuer} did not answer at start-up (${reason}); "Sign in with ${config.name}" fails until it does, password sign-in keeps working`,
    );
  }
}
