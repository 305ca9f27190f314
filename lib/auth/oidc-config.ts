import { config } from '@/lib/config';
import { z } from 'zod';
import { UserRole } from '@/lib/schemas/people';

/**
 * Single sign-on settings, read once from the environment (the one module that reads the
 * WATCHDOG_OIDC_* variables):
 *   WATCHDOG_OIDC_ISSUER, WATCHDOG_OIDC_CLIENT_ID, WATCHDOG_OIDC_CLIENT_SECRET  all three turn it on
 *   WATCHDOG_OIDC_NAME        the button says "Sign in with <name>" (default "single sign-on")
 *   WATCHDOG_OIDC_ROLE_CLAIM  an ID-token claim (a name, or a dotted path such as realm_access.roles)
 *   WATCHDOG_OIDC_ROLE_MAP    JSON: claim value → "supervisor" | "owner"
 */
export interface OidcConfig {
  issuer: string;
  clientId: string;
  clientSecret: string;
  name: string;
  roleClaim: string | null;
  roleMap: Record<string, UserRole>;
}

export interface OidcSettings {
  config: OidcConfig | null;
  /** what is wrong with the settings, said for the start-up log */
  problems: string[];
}

const RoleMap = z.record(z.string(), UserRole);

export function parseOidcSettings(env: Record<string, string | undefined>): OidcSettings {
  const problems: string[] = [];
  const issuer = env.WATCHDOG_OIDC_ISSUER?.trim() ?? '';
  const clientId = env.WATCHDOG_OIDC_CLIENT_ID?.trim() ?? '';
  const clientSecret = env.WATCHDOG_OIDC_CLIENT_SECRET ?? '';
  const given = [issuer, clientId, clientSecret].filter(Boolean).length;
  if (given === 0) return { config: null, problems };
  if (given < 3) {
    problems.push('single sign-on is off: WATCHDOG_OIDC_ISSUER, WATCHDOG_OIDC_CLIENT_ID and WATCHDOG_OIDC_CLIENT_SECRET must all be set');
    return { config: null, problems };
  }
  let issuerUrl: URL;
  try {
    issuerUrl = new URL(issuer);
    if (issuerUrl.protocol !== 'https:' && issuerUrl.protocol !== 'http:') throw new Error('not http(s)');
  } catch {
    problems.push(`single sign-on is off: WATCHDOG_OIDC_ISSUER is not an http(s) URL (${issuer.slice(0, 200)})`);
    return { config: null, problems };
  }
  const roleClaim = env.WATCHDOG_OIDC_ROLE_CLAIM?.trim() || null;
  let roleMap: Record<string, UserRole> = {};
  const rawMap = env.WATCHDOG_OIDC_ROLE_MAP?.trim();
  if (rawMap) {
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(rawMap);
    } catch {
      /* said below */
    }
    const r = RoleMap.safeParse(parsed);
    if (r.success) roleMap = r.data;
    else problems.push('WATCHDOG_OIDC_ROLE_MAP is ignored: it must be a JSON object of claim value → "supervisor" or "owner"; new people wait for an owner');
  }
  if (roleClaim && !rawMap) problems.push('WATCHDOG_OIDC_ROLE_CLAIM is set without WATCHDOG_OIDC_ROLE_MAP: new people wait for an owner');
  if (rawMap && !roleClaim) problems.push('WATCHDOG_OIDC_ROLE_MAP is set without WATCHDOG_OIDC_ROLE_CLAIM: new people wait for an owner');
  return {
    config: { issuer: issuer.replace(/\/+$/, ''), clientId, clientSecret, name: env.WATCHDOG_OIDC_NAME?.trim() || 'single sign-on', roleClaim, roleMap },
    problems,
  };
}

let settings: OidcSettings | null = null;

/** The settings of this process (parsed on first use). */
export function oidcSettings(): OidcSettings {
  return (settings ??= parseOidcSettings(oidcEnvironment()));
}

/** The WATCHDOG_OIDC_* variables as lib/config.ts read them (the one place the environment is read). */
function oidcEnvironment(): Record<string, string | undefined> {
  const o = config().oidc;
  if (!o) return {};
  return {
    WATCHDOG_OIDC_ISSUER: o.issuer,
    WATCHDOG_OIDC_CLIENT_ID: o.clientId,
    WATCHDOG_OIDC_CLIENT_SECRET: o.clientSecret,
    WATCHDOG_OIDC_NAME: o.name,
    WATCHDOG_OIDC_ROLE_CLAIM: o.roleClaim,
    WATCHDOG_OIDC_ROLE_MAP: o.roleMap ? JSON.stringify(o.roleMap) : undefined,
  };
}

/** The discovery document's address for an issuer. */
export function discoveryUrl(config: Pick<OidcConfig, 'issuer'>): string {
  return `${config.issuer}/.well-known/openid-configuration`;
}

function claimValue(claims: Record<string, unknown>, claim: string): unknown {
  if (claim in claims) return claims[claim];
  let cur: unknown = claims;
  for (const part of claim.split('.')) {
    if (!cur || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** The role the configured claim maps to: a string or an array of strings; the highest mapped role wins. */
export function mapClaimToRole(claims: Record<string, unknown>, config: Pick<OidcConfig, 'roleClaim' | 'roleMap'>): UserRole | null {
  if (!config.roleClaim) return null;
  const value = claimValue(claims, config.roleClaim);
  const values = (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
  const roles = values.map((v) => (Object.hasOwn(config.roleMap, v) ? config.roleMap[v] : null));
  return roles.includes('owner') ? 'owner' : roles.includes('supervisor') ? 'supervisor' : null;
}
