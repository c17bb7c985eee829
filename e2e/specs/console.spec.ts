// The console's guard rails: plan changes, re-authentication, a session the
// server ended, a second claimant, and a contract admin's invitation.
import { expect, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { act, check, find, PASSWORD, uniqueDomain } from './support';

test('the PMA changes the plan and Analytics unlocks', async ({ page }) => {
  const errors = check.noConsoleErrors(page);
  await act.verifiedAdmin(page);
  await page.locator('a[data-module=dashboard]').click();
  await expect(page.locator('[data-test=plan]')).toHaveText('Free');
  await expect(page.locator('a[data-module=analytics]')).toHaveClass(/locked/);
  await page.locator('select[name=plan]').selectOption('premium');
  await page.getByRole('button', { name: 'Save plan' }).click();
  await expect(page.locator('[data-test=plan]')).toHaveText('Premium');
  await expect(page.locator('a[data-module=analytics]')).not.toHaveClass(/locked/);
  await expect(page.locator('[data-test=member-counts]')).toContainText('Unmanaged1');
  await page.locator('a[data-module=analytics]').click();
  await expect(page.locator('[data-test=funnel-chart]')).toBeVisible();
  await expect(page.locator('[data-test=funnel-sources]')).toContainText('signup');
  expect(errors).toEqual([]);
});

test('a new sign-in asks for the password again, and a wrong one is refused in words', async ({ page }) => {
  const { email } = await act.verifiedAdmin(page);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await act.signIn(page, email);
  await expect(page.getByRole('heading', { name: "Confirm it's you" })).toBeVisible();
  await page.getByLabel('Password', { exact: true }).fill('Not-the-password-1');
  await page.getByRole('button', { name: 'Open the console' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'That password is not right.' })).toBeVisible();
  await act.reauth(page);
  await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
});

test('when the server ends the session, the console returns to sign-in and says why', async ({ page, request }) => {
  await act.verifiedAdmin(page);
  const token = await page.evaluate(() => sessionStorage.getItem('muster.token'));
  expect(await page.evaluate(() => localStorage.getItem('muster.token'))).toBeNull();
  const r = await request.delete('/api/v1/sessions/current', { headers: { Authorization: `Bearer ${token}` } });
  expect(r.status()).toBe(204);
  await page.locator('a[data-module=audit]').click();
  await expect(page).toHaveURL(/\/sign-in$/);
  await expect(page.locator('[data-test=session-notice]')).toContainText('sign in again');
});

test('a second claimant of a domain is told that its admin was notified', async ({ page }) => {
  const { domain, email } = await act.verifiedAdmin(page);
  await page.getByRole('button', { name: 'Sign out' }).click();
  const other = `grace@${domain}`;
  await act.signUp(page, other);
  await act.activate(page, other);
  await act.signIn(page, other);
  await page.getByRole('link', { name: 'Set up my enterprise' }).click();
  await page.getByRole('button', { name: 'Claim domain' }).click();
  await expect(page.locator('[data-test=forwarded]')).toContainText('already has an administrator');
  expect(await find.mailLink(email, 'asked to administer')).toContain(`invite?email=${other}`);
});

test('a public mail address cannot claim its domain', async ({ page }) => {
  const email = `someone.${uniqueDomain().split('.')[0]}@gmail.com`;
  await act.signUp(page, email);
  await act.activate(page, email);
  await act.signIn(page, email);
  await page.getByRole('link', { name: 'Set up my enterprise' }).click();
  await expect(page.getByRole('alert')).toContainText('gmail.com is a public mail provider');
  await expect(page.getByRole('button', { name: 'Claim domain' })).toBeDisabled();
});

test('a contract enterprise admin accepts the invitation and sets a password', async ({ page }) => {
  const domain = uniqueDomain();
  const admin = `it@${domain}`;
  execFileSync(process.env.MUSTER_E2E_BIN!, ['enterprise', 'create', '--domain', domain, '--admin', admin, '--plan', 'premium', '--seats', '25'], { env: process.env });
  const link = await find.mailLink(admin, 'invited');
  await page.goto(link);
  await expect(page.getByText('as its administrator')).toBeVisible();
  await page.getByLabel('Choose a password').fill('short');
  await expect(page.getByText('Use at least 12 characters')).toBeVisible();
  await page.getByLabel('Choose a password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Accept invitation' }).click();
  await expect(page.locator('[data-test=accepted]')).toBeVisible();
  await act.signIn(page, admin);
  await act.reauth(page);
  await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
  await expect(page.getByText('25 managed seats')).toBeVisible();
  await expect(page.locator('.topbar [data-status]')).toHaveText('Verified');
});
