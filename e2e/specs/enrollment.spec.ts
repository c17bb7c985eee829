// Enrollment end to end: invite → mail in the SMTP sink → accept page →
// member listed → made managed → Billing shows the seat.
import { expect, test } from '@playwright/test';
import { act, check, find, PASSWORD } from './support';

test('an invited person accepts, is made managed, and Billing counts the seat', async ({ page, browser }) => {
  const errors = check.noConsoleErrors(page);
  const { domain, email: admin } = await act.verifiedAdmin(page);

  // Invite: the preview counts addresses as you type; each gets an outcome.
  await page.locator('a[data-module=invite]').click();
  const grace = `grace@${domain}`;
  await page.getByLabel(`Email addresses in ${domain}`).fill(`${grace}, bob@elsewhere.test, nope, ${grace}`);
  await expect(page.locator('[data-test=invite-preview]')).toHaveText(`1 to invite · 1 not in ${domain} · 1 not valid · 1 repeated`);
  await page.getByRole('button', { name: 'Invite 1' }).click();
  await expect(page.locator('[data-test=invite-results]')).toContainText('1 invited');
  await expect(page.locator('[data-test=invite-results]')).toContainText('not in domain');
  await expect(page.locator(`[data-test=invitations-table] tr[data-email="${grace}"]`)).toContainText('pending');

  // The invitee opens the mail's link in their own browser and accepts.
  const link = await find.mailLink(grace, 'You are invited to join');
  const invitee = await (await browser.newContext()).newPage();
  await invitee.goto(link);
  await expect(invitee.locator('main')).toContainText(`${admin} invited ${grace} to ${domain}`);
  await invitee.getByLabel('Choose a password').fill(PASSWORD);
  await invitee.getByRole('button', { name: 'Accept invitation' }).click();
  await expect(invitee.locator('[data-test=accepted]')).toBeVisible();

  // Users: listed as unmanaged; select and make managed.
  await page.locator('a[data-module=users]').click();
  const row = page.locator(`[data-test=users-table] tr[data-email="${grace}"]`);
  await expect(row.locator('[data-test=state]')).toHaveText('unmanaged');
  await row.getByRole('checkbox').check();
  await page.getByRole('button', { name: 'Make managed' }).click();
  await expect(page.locator('[data-test=users-notice]')).toContainText('1 made managed');
  await expect(row.locator('[data-test=state]')).toHaveText('managed');

  // The PMA makes the member an admin.
  await row.getByRole('button', { name: 'Make admin' }).click();
  await expect(page.locator('[data-test=admins]')).toContainText(grace);

  // Search on the server.
  await page.getByLabel('Search users').fill('grace');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page.locator('[data-test=users-table] tbody tr')).toHaveCount(1);

  // Billing shows the seat and its charge.
  await page.locator('a[data-module=billing]').click();
  await expect(page.locator('[data-test=managed-seats]')).toHaveText('1');
  await expect(page.locator('[data-test=period-charge]')).toHaveText('8.00');
  await expect(page.locator('[data-test=seat-events]')).toContainText(grace);
  expect(errors).toEqual([]);
});
