'use client';

import { useState } from 'react';
import { ApiError, errorMessage } from '@/components/lib/api';
import { useAddPerson } from '@/components/hooks/use-people';
import { Button } from '@/components/ui/button';
import { Card, CardBody, CardHeader } from '@/components/ui/card';
import { Input, Label, Select } from '@/components/ui/field';
import { InlineAlert } from '@/components/ui/states';
import { useToast } from '@/components/ui/toast';
import { MIN_PASSWORD_LENGTH, type UserRole } from '@/lib/schemas/people';
import { roleHelp } from './people-shared';

/** "Add person": email, role and an initial password the owner hands over. */
export function AddPersonForm() {
  const toast = useToast();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<UserRole>('supervisor');
  const [password, setPassword] = useState('');
  const create = useAddPerson({
    onSuccess: (res) => {
      toast({ tone: 'success', title: `${res.user.email} added as ${res.user.role}`, description: 'Give them the initial password through a channel you trust.' });
      setEmail('');
      setPassword('');
    },
  });
  const fieldErrors = create.error instanceof ApiError ? create.error.fieldErrors : [];
  const errorFor = (path: string) => fieldErrors.find((f) => f.path === path)?.message;
  const shortPassword = password.length > 0 && password.length < MIN_PASSWORD_LENGTH;
  const missing = !email.trim() || password.length < MIN_PASSWORD_LENGTH;

  return (
    <Card aria-labelledby="add-person-title">
      <CardHeader id="add-person-title" title="Add person" description="For someone who signs in with a password. People who use single sign-on appear here by themselves after their first sign-in." />
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
            <Label htmlFor="person-email">Email</Label>
            <Input
              id="person-email"
              type="email"
              autoComplete="off"
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              maxLength={200}
              placeholder="name@company.com"
              aria-invalid={errorFor('email') ? true : undefined}
              aria-describedby={errorFor('email') ? 'person-email-error' : undefined}
            />
            {errorFor('email') ? (
              <p id="person-email-error" className="mt-1 text-xs text-rose-700">
                Email: {errorFor('email')}
              </p>
            ) : null}
          </div>
          <div>
            <Label htmlFor="person-role">Role</Label>
            <Select id="person-role" value={role} onChange={(e) => setRole(e.target.value as UserRole)}>
              <option value="supervisor">supervisor</option>
              <option value="owner">owner</option>
            </Select>
            <p className="mt-1 text-xs text-slate-600">{roleHelp[role]}</p>
          </div>
          <div>
            <Label htmlFor="person-password" hint={`(at least ${MIN_PASSWORD_LENGTH} characters)`}>
              Initial password
            </Label>
            <Input
              id="person-password"
              type="password"
              autoComplete="new-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              maxLength={200}
              aria-invalid={shortPassword || errorFor('password') ? true : undefined}
              aria-describedby="person-password-help"
            />
            <p id="person-password-help" className={shortPassword || errorFor('password') ? 'mt-1 text-xs text-rose-700' : 'mt-1 text-xs text-slate-600'}>
              {errorFor('password') ? `Password: ${errorFor('password')}` : shortPassword ? `${MIN_PASSWORD_LENGTH - password.length} more characters needed` : 'They can sign in with it at once.'}
            </p>
          </div>
          <div className="md:pt-7">
            <Button type="submit" variant="primary" disabled={missing} loading={create.isPending} className="w-full md:w-auto">
              Add person
            </Button>
          </div>
        </form>
        {create.isError && !fieldErrors.length ? <InlineAlert title="The person was not added">{errorMessage(create.error)}</InlineAlert> : null}
      </CardBody>
    </Card>
  );
}
