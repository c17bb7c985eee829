// Admin sign-in: two-step verification set up from the QR page's secret (the
// code computed here as an authenticator app would), then required at sign-in
// and when the console opens; a cell phone number verified with the code the
// local SMS gateway received, then used to sign in.
import { expect, test } from '@playwright/test';
import { act, check, PASSWORD, textMessage, totp, uniqueDomain } from './support';

test('an admin turns on two-step verification, requires it of every admin, and signs in with a code', async ({ page }) => {
  const errors = check.noConsoleErrors(page);
  const { email } = await act.verifiedAdmin(page);

  await page.getByRole('link', { name: 'Account security' }).click();
  await page.getByRole('button', { name: 'Set up two-step verification' }).click();
  await expect(page.locator('[data-test=totp-qr] svg')).toBeVisible();
  const secret = (await page.locator('[data-test=totp-secret]').textContent())!.trim();
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  // The form says what is wrong before anything is sent.
  await page.getByLabel('Code from the app').fill('12');
  await expect(page.getByText('Enter the 6-digit code.')).toBeVisible();
  await page.getByLabel('Code from the app').fill(totp(secret));
  await page.getByRole('button', { name: 'Turn on' }).click();
  const codes = page.locator('[data-test=recovery-codes] li');
  await expect(codes).toHaveCount(10);
  const recovery = (await codes.first().textContent())!.trim();
  expect(recovery).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
  expect(await page.locator('[data-test=download-codes]').getAttribute('href')).toContain(encodeURIComponent(recovery));
  await page.getByRole('button', { name: 'I saved them' }).click();
  await expect(page.locator('[data-test=mfa-on]')).toContainText('10 recovery codes left');

  // The PMA requires it of every admin (possible now that the PMA has it on).
  await page.getByRole('link', { name: 'Back to the console' }).click();
  await page.locator('a[data-module=dashboard]').click();
  const policy = page.locator('[data-test=mfa-policy] input[name=require_admin_mfa]');
  await policy.check();
  await expect(policy).toBeChecked();
  await page.reload();
  await expect(page.locator('[data-test=mfa-policy] input[name=require_admin_mfa]')).toBeChecked();

  // Sign out, sign in: the password, then the code (a wrong one first).
  await page.getByRole('button', { name: 'Sign out' }).click();
  await act.signIn(page, email);
  await expect(page.locator('[data-test=mfa-step]')).toBeVisible();
  await page.getByLabel('Code').fill('000000');
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByText('That code is not right')).toBeVisible();
  // The next step's code: the one that turned it on cannot be used twice.
  await page.getByLabel('Code').fill(totp(secret, Date.now() + 30_000));
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page).toHaveURL(/\/console/);

  // Opening the console asks for the password and the second factor (a recovery code here).
  await expect(page.getByRole('heading', { name: "Confirm it's you" })).toBeVisible();
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Two-step code').fill(recovery);
  await page.getByRole('button', { name: 'Open the console' }).click();
  await expect(page.locator('a[data-module=dashboard]')).toBeVisible();
  expect(errors).toEqual([]);
});

test('a person adds a cell phone number, verifies it with the texted code and signs in with it', async ({ page }) => {
  const errors = check.noConsoleErrors(page);
  const email = `phone@${uniqueDomain()}`;
  await act.signUp(page, email);
  await act.activate(page, email);
  await page.goto('/account/security');
  const digits = String(Math.floor(Math.random() * 100)).padStart(2, '0');
  await page.getByLabel('Cell phone number').fill('201 555 01' + digits);
  await page.getByRole('button', { name: 'Send code' }).click();
  await expect(page.getByText('Enter the number with + and the country code')).toBeVisible();
  await page.getByLabel('Cell phone number').fill(`+1 201 555 01${digits}`);
  await page.getByRole('button', { name: 'Send code' }).click();
  await expect(page.locator('[data-test=phone-code-sent]')).toBeVisible();
  const sms = await textMessage(`+120155501${digits}`);
  expect(sms.authorization).toBe('Bearer e2e-gateway');
  await page.getByLabel('Code from the text message').fill(sms.code === '000000' ? '000001' : '000000');
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByText('That code is not right; 4 tries left.')).toBeVisible();
  await page.getByLabel('Code from the text message').fill(sms.code);
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.locator('[data-test=phone-verified]')).toContainText(`+120155501${digits}`);

  // Signed out, the number signs in.
  await page.evaluate(() => sessionStorage.clear());
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(`+1 (201) 555-01${digits}`);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/console/);
  expect(errors).toEqual([]);
});
