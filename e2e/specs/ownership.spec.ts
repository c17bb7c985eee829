// The Admins panel: the PMA hands ownership to an admin with the password;
// the console reloads with the new roles (the mails are checked by the API test).
import { expect, test } from '@playwright/test';
import { act, find, PASSWORD } from './support';

test('the PMA makes an admin the Primary Master Admin', async ({ page, browser }) => {
  const { domain, email: pma } = await act.verifiedAdmin(page);
  const grace = `grace@${domain}`;
  await page.locator('a[data-module=invite]').click();
  await page.getByLabel(`Email addresses in ${domain}`).fill(grace);
  await page.getByRole('button', { name: 'Invite 1' }).click();
  await expect(page.locator('[data-test=invite-results]')).toContainText('1 invited');
  const invitee = await (await browser.newContext()).newPage();
  await invitee.goto(await find.mailLink(grace, 'You are invited to join'));
  await invitee.getByLabel('Choose a password').fill(PASSWORD);
  await invitee.getByRole('button', { name: 'Accept invitation' }).click();
  await expect(invitee.locator('[data-test=accepted]')).toBeVisible();

  await page.locator('a[data-module=users]').click();
  const row = page.locator(`[data-test=users-table] tr[data-email="${grace}"]`);
  await row.getByRole('button', { name: 'Make admin' }).click();
  const admins = page.locator('[data-test=admins]');
  await expect(admins).toContainText(grace);
  await admins.getByRole('button', { name: 'Make Primary Master Admin' }).click();
  const form = page.locator('[data-test=transfer-ownership]');
  await expect(form).toContainText(`Make ${grace} the Primary Master Admin`);
  await form.getByLabel('Your password', { exact: true }).fill('Not-the-password-1');
  await form.getByRole('button', { name: 'Transfer ownership' }).click();
  await expect(form.getByRole('alert').filter({ hasText: 'That password is not right.' })).toBeVisible();
  await form.getByLabel('Your password', { exact: true }).fill(PASSWORD);
  await form.getByRole('button', { name: 'Transfer ownership' }).click();
  // The page reloads: grace is the PMA, and this admin no longer manages admins.
  await expect(admins.locator('li').filter({ hasText: grace })).toContainText('Primary Master Admin');
  await expect(admins.locator('li').filter({ hasText: pma })).not.toContainText('Primary Master Admin');
  await expect(admins.getByRole('button', { name: 'Make Primary Master Admin' })).toHaveCount(0);
});
