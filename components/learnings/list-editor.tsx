'use client';

import { useTranslations } from 'next-intl';
import { Button } from '@/components/ui/button';
import { Input, Label } from '@/components/ui/field';
import { XIcon } from '@/components/ui/icons';

export const MAX_ITEMS = 20;
export const MAX_ITEM_CHARS = 500;

/** The items a person wrote: trimmed, empty rows left out. */
export const cleanItems = (items: string[]) => items.map((s) => s.trim()).filter(Boolean);

/** One list of a learning as rows of single-line inputs: add a row, remove a row. */
export function ListEditor({
  id,
  label,
  hint,
  items,
  onChange,
  error,
  required,
}: {
  id: string;
  label: string;
  hint?: string;
  items: string[];
  onChange: (items: string[]) => void;
  error?: string;
  required?: boolean;
}) {
  const t = useTranslations('learnings');
  const set = (i: number, v: string) => onChange(items.map((x, j) => (j === i ? v : x)));
  const remove = (i: number) => onChange(items.length === 1 ? [''] : items.filter((_, j) => j !== i));
  return (
    <fieldset aria-describedby={error ? `${id}-error` : undefined}>
      <legend className="mb-1.5 block text-sm font-medium text-slate-700">
        {label}
        {hint ? <span className="ml-1 font-normal text-slate-500">{hint}</span> : null}
      </legend>
      <ul className="space-y-2">
        {items.map((item, i) => (
          <li key={i} className="flex items-center gap-2">
            <Label htmlFor={`${id}-${i}`} className="sr-only">
              {t('list.item', { label, n: i + 1 })}
            </Label>
            <Input
              id={`${id}-${i}`}
              value={item}
              maxLength={MAX_ITEM_CHARS}
              aria-required={(required && i === 0) || undefined}
              aria-invalid={Boolean(error) || undefined}
              onChange={(e) => set(i, e.target.value)}
              className="min-w-0 flex-1"
            />
            <Button size="sm" variant="ghost" onClick={() => remove(i)} aria-label={t('list.remove', { label: label.toLowerCase(), n: i + 1 })}>
              <XIcon />
            </Button>
          </li>
        ))}
      </ul>
      <div className="mt-2 flex items-center gap-3">
        <Button size="sm" onClick={() => onChange([...items, ''])} disabled={items.length >= MAX_ITEMS}>
          {t('list.addRow')}
        </Button>
        <span className="text-xs text-slate-500">{t('list.count', { count: items.filter((x) => x.trim()).length, max: MAX_ITEMS, chars: MAX_ITEM_CHARS })}</span>
      </div>
      {error ? (
        <p id={`${id}-error`} className="mt-1.5 text-sm text-rose-600">
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}
