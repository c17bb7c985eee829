// Integrations: an API token is created with scopes, its secret shown once,
// used from outside the browser, named in the audit log, and revoked.
import { expect, test } from '@playwright/test';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
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

test('an admin adds a webhook and sees its delivery, signed, in the log', async ({ page }) => {
  const errors = check.noConsoleErrors(page);
  const got: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => { got.push({ headers: req.headers, body }); res.writeHead(200); res.end('ok'); });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/muster`;
  try {
    await act.verifiedAdmin(page);
    await page.locator('a[data-module=integrations]').click();
    await expect(page.locator('[data-test=no-webhooks]')).toBeVisible();
    await page.getByLabel('Endpoint URL').fill('ftp://nope');
    await expect(page.getByText('Give an http:// or https:// URL without spaces.')).toBeVisible();
    await page.getByLabel('Endpoint URL').fill(url);
    await page.locator('input[name=event][value="api_token.created"]').check();
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await expect(page.locator('[data-test=webhook-secret]')).toContainText('whsec_');
    await expect(page.locator('[data-test=webhook]')).toContainText(url);

    await page.getByLabel('Name').fill('deploy bot');
    await page.locator('input[name=scope][value="users:read"]').check();
    await page.getByRole('button', { name: 'Create token' }).click();
    await expect(page.locator('[data-test=token-secret]')).toBeVisible();
    await expect.poll(() => got.length, { timeout: 15000 }).toBeGreaterThan(0);
    const event = JSON.parse(got[0].body);
    expect(event.type).toBe('api_token.created');
    expect(event.data.name).toBe('deploy bot');
    expect(String(got[0].headers['webhook-signature'])).toMatch(/^v1,/);

    await expect(async () => {
      await page.getByRole('button', { name: 'Refresh' }).click();
      await expect(page.locator('[data-test=delivery-state]').first()).toHaveText('delivered', { timeout: 1000 });
    }).toPass({ timeout: 15000 });
    await page.getByRole('button', { name: 'Retry' }).first().click();
    await expect.poll(() => got.length, { timeout: 15000 }).toBeGreaterThan(1);
    expect(got[1].headers['webhook-id']).toBe(got[0].headers['webhook-id']);
  } finally {
    server.close();
  }
  expect(errors).toEqual([]);
});

test('the SCIM section gives the base URL and a SCIM token that provisions a person', async ({ page, request }) => {
  const errors = check.noConsoleErrors(page);
  const { domain } = await act.verifiedAdmin(page);
  await page.locator('a[data-module=integrations]').click();
  const scim = page.locator('[data-test=scim]');
  await expect(scim.locator('[data-test=scim-base-url]')).toHaveText(/\/scim\/v2$/);
  const base = (await scim.locator('[data-test=scim-base-url]').textContent())!;
  await expect(scim.getByText('Connect Okta')).toBeVisible();
  await scim.getByText('Connect Microsoft Entra ID').click();
  await expect(scim.getByText('Tenant URL')).toBeVisible();

  await scim.getByRole('button', { name: 'Create a SCIM token' }).click();
  const secret = (await page.locator('[data-test=token-value]').textContent())!;
  await expect(page.locator('[data-test=tokens]')).toContainText('SCIM provisioning');
  await expect(page.locator('[data-test=tokens]')).toContainText('scim');

  // Staged, not mailed: the setting is saved as it is ticked off.
  await scim.locator('input[name=scim-send-invitations]').uncheck();
  await expect(scim.getByText('Saved.')).toBeVisible();

  // An identity provider uses the token against the base URL.
  const created = await request.post(`${base}/Users`, {
    headers: { Authorization: `Bearer ${secret}`, 'Content-Type': 'application/scim+json' },
    data: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: `ada@${domain}`, name: { givenName: 'Ada', familyName: 'Lovelace' } },
  });
  expect(created.status()).toBe(201);
  await page.locator('a[data-module=users]').click();
  await expect(page.getByText(`ada@${domain}`)).toBeVisible();
  await page.locator('a[data-module=invite]').click();
  await expect(page.getByText(`ada@${domain}`)).toBeVisible();
  await expect(page.getByText('not sent yet').first()).toBeVisible();
  expect(errors).toEqual([]);
});
