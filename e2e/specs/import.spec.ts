// Import: a CSV previewed as a dry-run diff, applied with the progress bar,
// and its error report downloaded.
import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { act, check, find } from './support';

test('an import is previewed, applied, and its errors downloaded', async ({ page }) => {
  const errors = check.noConsoleErrors(page);
  const { domain } = await act.verifiedAdmin(page);

  await page.locator('a[data-module=import]').click();
  const csv = `\ufeffEmail,First Name,Department\r\nlin@${domain},Lin,"Research, Applied"\r\nmo@${domain},Mo,Sales\r\n=SUM(1+1),Bad,\r\n`;
  await page.locator('#f-import-file').setInputFiles({ name: 'people.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await expect(page.locator('[data-test=import-file]')).toHaveText('people.csv');
  await page.getByRole('button', { name: 'Preview changes' }).click();
  const preview = page.locator('[data-test=job]').first();
  await expect(preview.locator('[data-test=job-status]')).toHaveText('succeeded');
  await expect(preview.locator('[data-test=job-counts]')).toHaveText('2 created · 1 errors');
  await expect(preview.locator('[data-test=job-results]')).toContainText('department: “” → “Research, Applied”');

  await page.getByRole('button', { name: 'Prepare error report' }).click();
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-test=error-report]').click()]);
  const report = readFileSync((await download.path())!, 'utf8');
  expect(report.split('\n')[0]).toBe('row,email,error');
  expect(report).toContain("'=SUM(1+1)");

  await page.getByRole('button', { name: 'Apply changes' }).click();
  const applied = page.locator('[data-test=job]').nth(1);
  await expect(applied.locator('[data-test=job-status]')).toHaveText('succeeded');
  await expect(applied.locator('[data-test=job-counts]')).toHaveText('2 invited · 2 created · 1 errors');
  await expect(applied.locator('.progress .bar')).toHaveAttribute('style', 'width: 100%');
  expect(await find.mailLink(`lin@${domain}`, 'You are invited')).toContain('/invitations/accept?token=');

  await page.locator('a[data-module=users]').click();
  await expect(page.locator(`[data-test=users-table] tr[data-email="mo@${domain}"]`)).toContainText('Sales');
  expect(errors).toEqual([]);
});
