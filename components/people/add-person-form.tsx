'use client';

import { useTranslations } from 'next-intl';
import { useState } from 'react';
import { ApiError } from '@/components/lib/api';
import { useAddPerson } from '@/components/hooks/use-people';
import { useErrorText } from '@/components/lib/use-error-text';
import { useFormat } from '@/components/lib/use-format';
import { Button } from '@/components/ui/button';
import { Card, CardBody, CardHeader } from '@/components/ui/card';
import { Input, Label, Select } from '@/components/ui/field';
import { InlineAlert } from '@/components/ui/states';
import { useToast } from '@/components/ui/toast';
import { MIN_PASSWORD_LENGTH, type UserRole } from '@/lib/schemas/people';

/** "Add person": email, role and an initial password the owner hands over. */
export function AddPersonForm() {
  const t = useTranslations('people');
  const f = useFormat();
  const errorText = useErrorText();
  const toast = useToast();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<UserRole>('supervisor');
  const [password, setPassword] = useState('');
  const create = useAddPerson({
    onSuccess: (res) => {
      toast({ tone: 'success', title: t('addedToast', { email: res.user.email, role: f.label('role', res.user.role) }), description: t('addedToastDescription') });
      setEmail('');
      setPassword('');
    },
  });
  const fieldErrors = create.error instanceof ApiError ? create.error.fieldErrors : [];
  const errorFor = (path: string) => fieldErrors.find((f) => f.path === path)?.message;
  const shortPassword = password.length > 0 && password.length < MIN_PASSWORD_LENGTH;
  const missing = !email.trim() || password.length < MIN_PASSWORD_LENGTH;
  const emailError = errorFor('email');
  const passwordError = errorFor('password');

  return (
    <Card aria-labelledby="add-person-title">
      <CardHeader id="add-person-title" title={t('addTitle')} description={t('addDescription')} />
      <CardBody className="space-y-4">
        <form
          className="grid gap-4 md:grid-cols-[minmax(0,1fr)_11rem_minmax(0,1fr)_auto] md:items-start"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            if (!missing) create.mutate({ email: email.trim(), role, password });
          }}
        >
          <div>
            <Label htmlFor="person-email">{t('email')}</Label>
            <Input
              id="person-email"
              type="email"
              autoComplete="off"
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              maxLength={200}
              placeholder={t('emailPlaceholder')}
              aria-invalid={emailError ? true : undefined}
              aria-describedby={emailError ? 'person-email-error' : undefined}
            />
            {emailError ? (
              <p id="person-email-error" className="mt-1 text-xs text-rose-700">
                {t('emailError', { message: emailError })}
              </p>
            ) : null}
          </div>
          <div>
            <Label htmlFor="person-role">{t('role')}</Label>
            <Select id="person-role" value={role} onChange={(e) => setRole(e.target.value as UserRole)}>
              <option value="supervisor">{f.label('role', 'supervisor')}</option>
              <option value="owner">{f.label('role', 'owner')}</option>
            </Select>
            <p className="mt-1 text-xs text-slate-600">{t(`roleHelp.${role}`)}</p>
          </div>
          <div>
            <Label htmlFor="person-password" hint={t('passwordHint', { min: MIN_PASSWORD_LENGTH })}>
              {t('initialPassword')}
            </Label>
            <Input
              id="person-password"
              type="password"
              autoComplete="new-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              maxLength={200}
              aria-invalid={shortPassword || passwordError ? true : undefined}
              aria-describedby="person-password-help"
            />
            <p id="person-password-help" className={shortPassword || passwordError ? 'mt-1 text-xs text-rose-700' : 'mt-1 text-xs text-slate-600'}>
              {passwordError ? t('passwordError', { message: passwordError }) : shortPassword ? t('passwordShort', { count: MIN_PASSWORD_LENGTH - password.length }) : t('passwordReady')}
            </p>
          </div>
          <div className="md:pt-7">
            <Button type="submit" variant="primary" disabled={missing} loading={create.isPending} className="w-full md:w-auto">
              {t('addSubmit')}
            </Button>
          </div>
        </form>
        {create.isError && !fieldErrors.length ? <InlineAlert title={t('notAdded')}>{errorText(create.error)}</InlineAlert> : null}
      </CardBody>
    </Card>
  );
}
