// Directory Sync against a real slapd (e2e/services/slapd.sh, stopped by PID):
// configure with the OpenLDAP preset, test the connection, pick OUs and a
// group in the tree, dry run with its diff, sync now, and the history.
import { expect, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { act, check } from './support';

const SUFFIX = 'dc=example,dc=test';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function ldif(domain: string): string {
  const out: string[] = [];
  for (const ou of ['People', 'Contractors', 'Groups']) out.push(`dn: ou=${ou},${SUFFIX}\nobjectClass: organizationalUnit\nou: ${ou}\n`);
  const eng = `cn=Engineering,ou=Groups,${SUFFIX}`;
  const members: string[] = [];
  for (let i = 0; i < 6; i++) {
    const dn = `uid=person${i},ou=People,${SUFFIX}`;
    let entry = `dn: ${dn}\nobjectClass: inetOrgPerson\nuid: person${i}\ncn: Person ${i}\ngivenName: Person\nsn: Number${i}\nmail: person${i}@${domain}\ntitle: Engineer\n`;
    if (i % 2 === 0) { entry += `memberOf: ${eng}\n`; members.push(dn); }
    out.push(entry);
  }
  out.push(`dn: uid=temp0,ou=Contractors,${SUFFIX}\nobjectClass: inetOrgPerson\nuid: temp0\ncn: Temp\nsn: Temp\nmail: temp0@${domain}\n`);
  out.push(`dn: ${eng}\nobjectClass: groupOfNames\ncn: Engineering\n${members.map((m) => `member: ${m}`).join('\n')}\n`);
  return out.join('\n');
}

test('a directory is configured, tested, picked from a tree, dry-run and synced', async ({ page }) => {
  const errors = check.noConsoleErrors(page);
  const { domain } = await act.verifiedAdmin(page);
  const run = join(process.env.MUSTER_E2E_RUN!, `ldap-${Date.now()}`);
  mkdirSync(run, { recursive: true });
  writeFileSync(join(run, 'data.ldif'), ldif(domain));
  const port = await freePort();
  const slapd = join(__dirname, '..', 'services', 'slapd.sh');
  execFileSync('bash', [slapd, 'start', run, String(port), join(run, 'data.ldif')]);
  try {
    await page.locator('a[data-module=directory-sync]').click();
    await expect(page.getByRole('heading', { name: 'Directory Sync' })).toBeVisible();
    await expect(page.locator('[data-test=sync-history]')).toContainText('No runs yet');

    // The form validates as you type.
    await page.getByLabel('Directory address').fill('http://dc1');
    await expect(page.locator('[data-test=sync-connection]')).toContainText('starts with ldap:// or ldaps://');
    await page.getByLabel('Directory address').fill(`ldap://127.0.0.1:${port}`);
    await page.getByLabel('Bind DN').fill(`cn=admin,${SUFFIX}`);
    await page.getByLabel('Bind password', { exact: true }).fill('admin-secret');
    await page.getByLabel('Base DN').fill(SUFFIX);

    await page.locator('[data-test=sync-test]').click();
    const result = page.locator('[data-test=sync-test-result]');
    await expect(result).toContainText('the user search finds 7 entries');
    await expect(result.locator('li')).toHaveCount(5);

    await page.locator('[data-test=sync-save]').click();
    await expect(page.getByText('Saved. The bind password is stored encrypted')).toBeVisible();

    await page.locator('[data-test=sync-browse]').click();
    const tree = page.locator('[data-test=sync-tree]');
    await expect(tree).toContainText('Contractors');
    await tree.locator(`input[data-dn="ou=People,${SUFFIX}"]`).check();
    await tree.locator(`input[data-dn="cn=Engineering,ou=Groups,${SUFFIX}"]`).check();
    await expect(page.locator('[data-test=sync-scope]')).toContainText(`Organisational units: ou=People,${SUFFIX}`);

    await page.locator('[data-test=rule-add]').click();
    await page.getByLabel('Attribute', { exact: true }).fill('uid');
    await page.getByLabel('Value', { exact: true }).fill('person5');
    await page.getByLabel('Value', { exact: true }).blur();
    await page.locator('input[name=schedule][value=daily]').check();
    await page.locator('[data-test=sync-save]').click();
    await expect(page.getByText('Saved. The bind password is stored encrypted')).toBeVisible();

    await page.locator('[data-test=sync-dry-run]').click();
    const view = page.locator('[data-test=sync-run-view]');
    await expect(view.locator('[data-test=sync-status]')).toHaveText('succeeded');
    await expect(view.locator('[data-test=sync-counts]')).toHaveText('5 created · 1 excluded · 1 list changes');
    await expect(view.locator('[data-test=sync-diff]')).toContainText(`person0@${domain}`);
    await expect(view.locator('[data-test=sync-diff]')).toContainText('first name: “” → “Person”');
    await expect(view.locator('[data-test=sync-diff]')).not.toContainText('temp0');

    await page.locator('[data-test=sync-now]').click();
    await expect(view.locator('[data-test=sync-status]')).toHaveText('succeeded');
    await expect(view.locator('.progress .bar')).toHaveAttribute('style', 'width: 100%');
    await expect(view.locator('[data-test=sync-counts]')).toHaveText('5 created · 1 excluded · 1 list changes');

    const history = page.locator('[data-test=sync-history] tbody tr');
    await expect(history).toHaveCount(2);
    await expect(history.first()).toContainText('sync');
    await expect(page.locator('[data-test=sync-lists]')).toContainText('Engineering');

    await page.locator('a[data-module=users]').click();
    await expect(page.locator(`[data-test=users-table] tr[data-email="person1@${domain}"]`)).toContainText('invited');
  } finally {
    execFileSync('bash', [slapd, 'stop', run]);
  }
  expect(errors).toEqual([]);
});
