import * as z from 'zod/mini';

/**
 * The building blocks of the configuration (lib/config.ts, lib/config-runner.ts): one zod schema per
 * kind of environment value. Built on `zod/mini` so that the one-file runner, which reads its part of
 * the configuration too, stays small. An empty value counts as unset everywhere.
 */

/** A bad environment value: its message is the one line printed before the process stops. */
export class ConfigError extends Error {
  /** the exit code of a command stopped by it */
  readonly exitCode = 2;
  constructor(
    message: string,
    readonly variable: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** What a configuration table says about one variable, for the reader (docs/OPERATIONS.md). */
export interface VariableDoc {
  default: string;
  meaning: string;
  /** the value is never echoed in an error line */
  secret?: boolean;
}

export interface Variable<T> extends VariableDoc {
  schema: z.ZodMiniType<T, string | undefined>;
}

type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };
const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = (problem: string): Parsed<never> => ({ ok: false, problem });

/** A variable whose raw text `parse` turns into a value; unset (or empty) gives `fallback`. */
function field<T, D extends T | undefined>(parse: (raw: string) => Parsed<T>, fallback: D): z.ZodMiniType<T | D, string | undefined> {
  return z.pipe(
    z.optional(z.string()),
    z.transform((raw: string | undefined, ctx): T | D => {
      if (raw === undefined || raw === '') return fallback;
      const r = parse(raw);
      if (r.ok) return r.value;
      ctx.issues.push({ code: 'custom', message: r.problem, input: raw });
      return z.NEVER;
    }),
  );
}

export function text(): z.ZodMiniType<string | undefined, string | undefined>;
export function text(fallback: string): z.ZodMiniType<string, string | undefined>;
export function text(fallback?: string): z.ZodMiniType<string | undefined, string | undefined> {
  return field<string, string | undefined>((raw) => ok(raw), fallback);
}

/** A whole number ≥ 1 (`min` 0 allows 0 too). */
export function integer(fallback: number, opts: { min?: 0 | 1 } = {}) {
  const min = opts.min ?? 1;
  return field((raw) => {
    const n = Number(raw.trim());
    return /^\s*\d+\s*$/.test(raw) && Number.isSafeInteger(n) && n >= min ? ok(n) : bad(min === 1 ? 'must be a positive integer' : 'must be an integer ≥ 0');
  }, fallback);
}

/** A number ≥ 0 (`positive`: > 0). */
export function number(fallback: number, opts: { positive?: boolean } = {}) {
  return field((raw) => {
    const n = Number(raw.trim());
    if (!Number.isFinite(n) || raw.trim() === '') return bad(opts.positive ? 'must be a positive number' : 'must be a number ≥ 0');
    return (opts.positive ? n > 0 : n >= 0) ? ok(n) : bad(opts.positive ? 'must be a positive number' : 'must be a number ≥ 0');
  }, fallback);
}

/** `1`/`true`/`yes`/`on` or `0`/`false`/`no`/`off`. */
export function flag(fallback: boolean) {
  return field((raw) => {
    const v = raw.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(v)) return ok(true);
    if (['0', 'false', 'no', 'off'].includes(v)) return ok(false);
    return bad('must be 1 or 0');
  }, fallback);
}

/** One of a list of words. */
export function oneOf<const T extends readonly string[], D extends T[number] | undefined>(values: T, fallback: D) {
  return field<T[number], D>((raw) => ((values as readonly string[]).includes(raw.trim()) ? ok(raw.trim() as T[number]) : bad(`must be one of ${values.join(', ')}`)), fallback);
}

/** An absolute URL of the given protocols (default http and https). */
export function url(protocols: readonly string[] = ['http:', 'https:']) {
  return field((raw) => {
    try {
      const u = new URL(raw.trim());
      if (protocols.includes(u.protocol)) return ok(raw.trim());
    } catch {
      /* below */
    }
    return bad(`must be a URL starting with ${protocols.map((p) => p + '//').join(' or ')}`);
  }, undefined);
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9a-f:.]+$/i;

function isAddressOrCidr(item: string): boolean {
  const [address, bits, ...rest] = item.split('/');
  if (rest.length) return false;
  const v4 = IPV4.test(address);
  const v6 = !v4 && address.includes(':') && IPV6.test(address);
  if (!v4 && !v6) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^\d+$/.test(bits) && n <= (v4 ? 32 : 128);
}

/** Comma-separated IP addresses or CIDR ranges. */
export function addressList() {
  return field((raw) => {
    const items = raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const wrong = items.find((i) => !isAddressOrCidr(i));
    return wrong === undefined ? ok(items) : bad(`must list IP addresses or CIDR ranges separated by commas ("${wrong}" is neither)`);
  }, [] as string[]);
}

/** A JSON object whose values are each one of `values` (e.g. an OIDC claim value → role map). */
export function jsonMap<const T extends readonly string[]>(values: T) {
  return field(
    (raw) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        return bad('must be a JSON object');
      }
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return bad('must be a JSON object');
      for (const [key, value] of Object.entries(parsed)) {
        if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) return bad(`must map each key to one of ${values.join(', ')} ("${key}" does not)`);
      }
      return ok(parsed as Record<string, T[number]>);
    },
    {} as Record<string, T[number]>,
  );
}

/** A string of at least `min` characters. */
export function secret(min: number) {
  return field((raw) => (raw.length >= min ? ok(raw) : bad(`must be at least ${min} characters long`)), undefined);
}

type Values<S extends Record<string, Variable<unknown>>> = { [K in keyof S]: S[K] extends Variable<infer T> ? T : never };

/**
 * Reads the variables of `table` from `env`; the first bad one throws a ConfigError whose message is
 * one line naming it: `WATCHDOG_SHUTDOWN_GRACE_MS must be a positive integer, got "abc"`.
 */
export function readVariables<S extends Record<string, Variable<unknown>>>(table: S, env: Record<string, string | undefined>): Values<S> {
  const out: Record<string, unknown> = {};
  for (const [name, variable] of Object.entries(table)) {
    const raw = env[name];
    const result = variable.schema.safeParse(raw);
    if (!result.success) {
      const problem = result.error.issues[0]?.message ?? 'is not valid';
      throw new ConfigError(`${name} ${problem}${variable.secret ? '' : `, got ${JSON.stringify(raw)}`}`, name);
    }
    out[name] = result.data;
  }
  return out as Values<S>;
}
