import { parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { describe, expect, it } from 'vitest';
import { negotiateLocale, resolveLocale } from '@/lib/i18n/locale';
import { messages } from '@/lib/i18n/messages';
import { LOCALES } from '@/lib/schemas/enums';

type Tree = { [key: string]: string | Tree };

function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out.set(key, v);
    else for (const [kk, vv] of flatten(v, key)) out.set(kk, vv);
  }
  return out;
}

/** The arguments a message takes ({count}, {job}, plural and select arguments), sorted. */
function argumentsOf(message: string): string[] {
  const names = new Set<string>();
  const walk = (els: MessageFormatElement[]) => {
    for (const el of els) {
      if (el.type === TYPE.argument || el.type === TYPE.number || el.type === TYPE.date || el.type === TYPE.time) names.add(el.value);
      if (el.type === TYPE.plural || el.type === TYPE.select) {
        names.add(el.value);
        for (const option of Object.values(el.options)) walk(option.value);
      }
      if (el.type === TYPE.tag) {
        names.add(`<${el.value}>`);
        walk(el.children);
      }
    }
  };
  walk(parse(message));
  return [...names].sort();
}

describe('console messages', () => {
  const en = flatten(messages.en as unknown as Tree);

  it('every message in English parses as ICU and is not empty', () => {
    expect(en.size).toBeGreaterThan(100);
    for (const [key, text] of en) {
      expect(text.trim(), key).not.toBe('');
      expect(() => parse(text), key).not.toThrow();
    }
  });

  for (const locale of LOCALES.filter((l) => l !== 'en')) {
    it(`${locale} has exactly the English keys, each with the same arguments`, () => {
      const other = flatten(messages[locale] as unknown as Tree);
      expect([...other.keys()].sort()).toEqual([...en.keys()].sort());
      for (const [key, text] of en) {
        const translated = other.get(key)!;
        expect(translated.trim(), key).not.toBe('');
        expect(argumentsOf(translated), `${locale} ${key}`).toEqual(argumentsOf(text));
      }
    });
  }
});

describe('choosing the language', () => {
  it('takes Traditional Chinese for Taiwan, Hong Kong and zh-Hant browsers', () => {
    expect(negotiateLocale('zh-TW,zh;q=0.9,en-US;q=0.8,en;q=0.7')).toBe('zh-Hant');
    expect(negotiateLocale('zh-HK')).toBe('zh-Hant');
    expect(negotiateLocale('zh-Hant-TW')).toBe('zh-Hant');
  });

  it('takes English for English, for languages it does not speak, and for no or a broken header', () => {
    expect(negotiateLocale('en-US,en;q=0.9')).toBe('en');
    expect(negotiateLocale('fr-FR,de;q=0.8')).toBe('en');
    expect(negotiateLocale('')).toBe('en');
    expect(negotiateLocale(null)).toBe('en');
    expect(negotiateLocale('*')).toBe('en');
    expect(negotiateLocale(';;;,,q=x')).toBe('en');
  });

  it('honours the order of preference', () => {
    expect(negotiateLocale('en;q=0.5,zh-TW;q=0.9')).toBe('zh-Hant');
    expect(negotiateLocale('en,zh-TW;q=0.9')).toBe('en');
  });

  it("puts the person's choice before the cookie and the cookie before the browser", () => {
    expect(resolveLocale({ chosen: 'en', cookie: 'zh-Hant', acceptLanguage: 'zh-TW' })).toBe('en');
    expect(resolveLocale({ chosen: null, cookie: 'zh-Hant', acceptLanguage: 'en' })).toBe('zh-Hant');
    expect(resolveLocale({ chosen: null, cookie: 'klingon', acceptLanguage: 'zh-TW' })).toBe('zh-Hant');
    expect(resolveLocale({})).toBe('en');
  });
});
