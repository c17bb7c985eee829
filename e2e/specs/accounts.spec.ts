// Sign-in before activation, a new activation link, and a used link.
import { expect, test } from '@playwright/test';
import { act, find, PASSWORD, uniqueDomain } from './support';

test('signing in before activation offers a new link, and only the newest link works', async ({ page }) => {
  const email = `ada@${uniqueDomain()}`;
  await act.signUp(page, email);
  const first = await find.mailLink(email, 'Activate your Muster account');

  await act.signIn(page, email);
  await expect(page.getByRole('alert').filter({ hasText: 'has not been activated' })).toBeVisible();
  await page.getByRole('button', { name: 'Send a new activation link' }).click();
  await expect(page.getByText('a new link is on its way')).toBeVisible();

  // The first link was replaced by the resend.
  await page.goto(first);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Activate my account' }).click();
  await expect(page.getByRole('alert').filter({ hasText: /expired|not valid/ })).toBeVisible();
  await expect(page.locator('[data-test=resend-activation]')).toBeVisible();

  await act.activate(page, email, 2);
  await act.signIn(page, email);
  await expect(page.getByRole('link', { name: 'Set up my enterprise' })).toBeVisible();
});
