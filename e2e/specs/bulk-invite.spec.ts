// Bulk Invite: a file with bad lines is previewed line by line, then run as
// a job whose progress and per-line results the page follows.
import { expect, test } from '@playwright/test';
import { act, check, find } from './support';

test('a bulk file with bad lines is previewed, then invited by a job', async ({ page }) => {
  const errors = check.noConsoleErrors(page);
  const { domain } = await act.verifiedAdmin(page);

  await page.locator('a[data-module=bulk-invite]').click();
  await page.locator('#f-bulk-file').setInputFiles({
    name: 'people.txt',
    mimeType: 'text/plain',
    buffer: Buffer.from(`ann@${domain}\n\nnot an address\nbea@${domain}; cy@elsewhere.test\nANN@${domain}\n`),
  });
  await expect(page.locator('[data-test=bulk-preview]')).toHaveText('2 to invite · 3 lines will be skipped');
  await expect(page.locator('[data-test=bulk-problems]')).toContainText('repeat of line 1');
  await page.getByRole('button', { name: 'Invite 2 people' }).click();
  await expect(page.locator('[data-test=job-status]')).toHaveText('succeeded');
  await expect(page.locator('[data-test=job-counts]')).toHaveText('2 invited · 2 skipped · 1 errors');
  await expect(page.locator('[data-test=job-results]')).toContainText('not in domain');
  await expect(page.locator('.progress .bar')).toHaveAttribute('style', 'width: 100%');
  expect(await find.mailLink(`bea@${domain}`, 'You are invited')).toContain('/invitations/accept?token=');
  expect(errors).toEqual([]);
});
