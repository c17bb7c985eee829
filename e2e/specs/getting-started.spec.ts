// The whole getting-started journey: sign up → activation mail → activate →
// sign in → claim → TXT record on the real DNS server → Check now → console.
import { expect, test } from '@playwright/test';
import { act, check, find, PASSWORD, uniqueDomain } from './support';

test('an admin signs up, claims and verifies the domain, and the console opens', async ({ page }) => {
  const errors = check.noConsoleErrors(page);
  const domain = uniqueDomain();
  const email = `pma@${domain}`;

  // Sign-up validates as you type, with the server's rules.
  await page.goto('/sign-up');
  await page.getByLabel('Work email').fill('not-an-email');
  await expect(page.getByText('is not a valid email address')).toBeVisible();
  await page.getByLabel('Work email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill('short');
  await expect(page.getByText('Use at least 12 characters (5 so far).')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Create account' })).toBeDisabled();
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByText('Check your inbox.')).toBeVisible();

  // The link from the real SMTP sink, with the sign-up password, activates and signs in.
  await act.activate(page, email);

  // No enterprise yet: the claim wizard, for the domain of the email address.
  await page.getByRole('link', { name: 'Set up my enterprise' }).click();
  await expect(page.locator('[data-test=claim-domain]')).toHaveText(domain);
  await page.getByText('Premium', { exact: true }).click();
  await page.getByRole('button', { name: 'Claim domain' }).click();

  // The claim needs no elevation; the console does.
  await act.reauth(page);
  await expect(page.getByRole('heading', { name: 'Domain Management' })).toBeVisible();
  await expect(page.locator('.topbar [data-status]')).toHaveText('Unverified');
  await expect(page.locator('[data-test=txt-name]')).toHaveText(`_muster-challenge.${domain}`);
  const txtValue = (await page.locator('[data-test=txt-value]').textContent())!;
  expect(txtValue).toMatch(/^muster-verification=[0-9a-f]{32}$/);

  // Other modules are locked, and say why.
  await expect(page.locator('a[data-module=users]')).toHaveClass(/locked/);
  await page.locator('a[data-module=users]').click();
  await expect(page.locator('[data-test=locked]')).toContainText('Verify your domain in Domain Management');
  await page.getByRole('link', { name: 'Verify the domain' }).click();

  // A check before the record exists says what it saw.
  await page.getByLabel('DNS TXT').check();
  await page.getByRole('button', { name: 'Check now' }).click();
  await expect(page.locator('[data-test=check-result]')).toContainText(`no TXT record at _muster-challenge.${domain}`);

  // Publish the record on the DNS server, check again: verified.
  act.publishDns([`txt-record=_muster-challenge.${domain},"${txtValue}"`]);
  await page.getByRole('button', { name: 'Check now' }).click();
  await expect(page.locator('.topbar [data-status]')).toHaveText('Verified');
  await expect(page.locator('a[data-module=users]')).not.toHaveClass(/locked/);
  await expect(page.locator('[data-test=check-result]')).toContainText('Verified.');
  // `just screenshot` keeps this view for the README.
  if (process.env.MUSTER_E2E_SCREENSHOT) {
    await page.setViewportSize({ width: 1280, height: 860 });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: process.env.MUSTER_E2E_SCREENSHOT, fullPage: false });
  }

  // The console: dashboard with the chosen plan; the audit log has the story.
  await page.locator('a[data-module=dashboard]').click();
  await expect(page.locator('[data-test=plan]')).toHaveText('Premium');
  await expect(page.locator('a[data-module=analytics]')).not.toHaveClass(/locked/);
  await page.locator('a[data-module=audit]').click();
  await expect(page.locator('[data-test=audit-table]')).toContainText('domain.verified');
  await expect(page.locator('[data-test=audit-table]')).toContainText('enterprise.claimed');

  // The PMA got the "verified" mail.
  expect(await find.mailLink(email, 'is verified')).toContain('/domain');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByText('You signed out.')).toBeVisible();
  expect(errors).toEqual([]);
});
