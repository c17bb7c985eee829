// Account security: activation only on the button, password reset by mail,
// and ending another session from the Account security page.
import { expect, test } from '@playwright/test';
import { act, find, PASSWORD, uniqueDomain } from './support';

test('opening an activation link does not activate until the button is pressed', async ({ page, request }) => {
  const email = `ada@${uniqueDomain()}`;
  await act.signUp(page, email);
  const link = await find.mailLink(email, 'Activate your Muster account');
  // What a mail scanner does: open the page and let its scripts run.
  await page.goto(link);
  await expect(page.getByRole('button', { name: 'Activate my account' })).toBeVisible();
  await page.waitForTimeout(500);
  const early = await request.post('/api/v1/sessions', { data: { email, password: PASSWORD } });
  expect(early.status()).toBe(403);
  expect((await early.json()).code).toBe('account_not_active');
  // A wrong password does not activate either.
  await page.getByLabel('Password', { exact: true }).fill('Not-the-password-1');
  await page.getByRole('button', { name: 'Activate my account' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'not the password chosen at sign-up' })).toBeVisible();
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Activate my account' }).click();
  await expect(page).toHaveURL(/\/console/);
  await expect(page.getByRole('link', { name: 'Set up my enterprise' })).toBeVisible();
});

test('forgot password: the mailed link sets a new password that signs in', async ({ page }) => {
  const email = `ada@${uniqueDomain()}`;
  const fresh = 'A-fresh-password-42';
  await act.signUp(page, email);
  await act.activate(page, email);
  await page.goto('/sign-in');
  await page.getByRole('link', { name: 'Forgot password?' }).click();
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Send the reset link' }).click();
  await expect(page.locator('[data-test=reset-sent]')).toContainText('If ' + email);
  await page.goto(await find.mailLink(email, 'Reset your Muster password'));
  await page.getByLabel('New password').fill('short');
  await expect(page.getByText('Use at least 12 characters')).toBeVisible();
  await page.getByLabel('New password').fill(fresh);
  await page.getByRole('button', { name: 'Set the new password' }).click();
  await expect(page.locator('[data-test=password-reset]')).toBeVisible();
  await page.getByRole('link', { name: 'Sign in' }).click();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'wrong email or password' })).toBeVisible();
  await page.getByLabel('Password', { exact: true }).fill(fresh);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('link', { name: 'Set up my enterprise' })).toBeVisible();
});

test('the Account security page ends another session', async ({ page, browser }) => {
  const { email } = await act.verifiedAdmin(page);
  // A second device: its own browser context, signed in as the same person.
  const other = await browser.newContext();
  const phone = await other.newPage();
  await act.signIn(phone, email);
  await expect(phone.getByRole('heading', { name: "Confirm it's you" })).toBeVisible();

  await page.getByRole('link', { name: 'Account security' }).click();
  await expect(page.getByRole('heading', { name: 'Account security' })).toBeVisible();
  const rows = page.locator('[data-test=sessions] tbody tr');
  await expect(rows).toHaveCount(3); // sign-in after activation, this tab, the phone
  await expect(page.getByText('This session')).toBeVisible();
  await page.getByRole('button', { name: /Sign out everywhere else/ }).click();
  await expect(rows).toHaveCount(1);
  await expect(page.getByText('No other sessions')).toBeVisible();

  // The phone's next request is refused and it is back at sign-in.
  await phone.reload();
  await expect(phone).toHaveURL(/\/sign-in/);
  await other.close();
});

test('a single session is ended from its row', async ({ page, browser }) => {
  const email = `ada@${uniqueDomain()}`;
  await act.signUp(page, email);
  await act.activate(page, email);
  const other = await browser.newContext();
  const laptop = await other.newPage();
  await act.signIn(laptop, email);
  await expect(laptop.getByRole('link', { name: 'Set up my enterprise' })).toBeVisible();
  await page.goto('/account/security');
  const rows = page.locator('[data-test=sessions] tbody tr');
  await expect(rows).toHaveCount(2);
  await rows.filter({ hasNotText: 'This session' }).getByRole('button', { name: 'Sign out' }).click();
  await expect(rows).toHaveCount(1);
  await laptop.reload();
  await expect(laptop).toHaveURL(/\/sign-in/);
  await other.close();
});

test('two claimants of one domain both see the race, and the first to verify wins', async ({ page, browser }) => {
  const domain = uniqueDomain();
  const squatter = `squatter@${domain}`;
  await act.signUp(page, squatter);
  await act.activate(page, squatter);
  await page.getByRole('link', { name: 'Set up my enterprise' }).click();
  await page.getByRole('button', { name: 'Claim domain' }).click();
  await act.reauth(page);
  await expect(page.locator('[data-test=txt-value]')).toBeVisible();

  const other = await browser.newContext();
  const it = await other.newPage();
  const admin = `it@${domain}`;
  await act.signUp(it, admin);
  await act.activate(it, admin);
  await it.getByRole('link', { name: 'Set up my enterprise' }).click();
  await it.getByRole('button', { name: 'Claim domain' }).click();
  await act.reauth(it);
  await expect(it.locator('[data-test=open-claims]')).toContainText(`2 people are trying to verify ${domain}`);
  const txt = (await it.locator('[data-test=txt-value]').textContent())!;
  act.publishDns([`txt-record=_muster-challenge.${domain},"${txt}"`]);
  await it.getByRole('button', { name: 'Check now' }).click();
  await expect(it.locator('.topbar [data-status]')).toHaveText('Verified');
  expect(await find.mailLink(squatter, 'was closed')).toBeTruthy();
  await page.reload();
  await expect(page.getByRole('alert')).toContainText('not one of its admins');
  await other.close();
});
