// Integrations: an API token is created with scopes, its secret shown once,
// used from outside the browser, named in the audit log, and revoked.
import { expect, test } from '@playwright/test';
import { act, check } from './support';

test('an admin creates a token, a script uses it within its scopes, and revoking it stops it', async ({ page, request }) => {
  const errors = check.noConsoleErrors(page);
  const { domain } = await act.verifiedAdmin(page);
  await page.locator('a[data-module=integrations]').click();
  await expect(page.getByRole('heading', { name: 'Integrations' })).toBeVisible();
  await expect(page.locator('[data-test=no-tokens]')).toBeVisible();

  // The form says what is missing before anything is sent.
  await page.getByRole('button', { name: 'Create token' }).click();
  await expect(page.getByText('Choose at least one scope.')).toBeVisible();
  await page.getByLabel('Name').fill('CI nightly');
  await page.locator('input[name=scope][value="users:read"]').check();
  await page.locator('input[name=scope][value="invitations:write"]').check();
  await page.getByRole('button', { name: 'Create token' }).click();
  const secret = (await page.locator('[data-test=token-value]').textContent())!;
  expect(secret).toMatch(/^mst_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
  await expect(page.locator('[data-test=token-secret]')).toContainText('cannot show it again');
  await expect(page.locator('[data-test=tokens]')).toContainText('CI nightly');
  await expect(page.locator('[data-test=tokens]')).not.toContainText(secret.slice(17));

  const enterprise = page.url().split('/console/')[1].split('/')[0];
  const auth = { Authorization: `Bearer ${secret}` };
  const invited = await request.post(`/api/v1/enterprises/${enterprise}/invitations`, {
    headers: auth, data: { emails: [`ada@${domain}`] },
  });
  expect(invited.status()).toBe(200);
  expect((await invited.json()).results[0].outcome).toBe('invited');
  const users = await request.get(`/api/v1/enterprises/${enterprise}/users`, { headers: auth });
  expect(users.status()).toBe(200);
  const audit = await request.get(`/api/v1/enterprises/${enterprise}/audit-events`, { headers: auth });
  expect(audit.status()).toBe(403);
  expect((await audit.json()).code).toBe('insufficient_scope');

  await page.locator('a[data-module=audit]').click();
  await expect(page.locator('[data-test=audit-table]')).toContainText('API token “CI nightly”');

  await page.locator('a[data-module=integrations]').click();
  await page.getByRole('button', { name: 'Revoke' }).click();
  await expect(page.locator('[data-test=no-tokens]')).toBeVisible();
  const after = await request.get(`/api/v1/enterprises/${enterprise}/users`, { headers: auth });
  expect(after.status()).toBe(401);
  expect((await after.json()).code).toBe('token_revoked');
  expect(errors).toEqual([]);
});
