// Helpers split as find / act / check: reading mail from the SMTP sink's
// Maildir, rewriting the DNS server's records, and the console's common steps.
import { expect, Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const PASSWORD = 'Tr0ub4dor-and-horses';
const env = (k: string) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set: run the specs through e2e/run.sh`);
  return v;
};

export const uniqueDomain = () => `e2e${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}.test`;

function decode(raw: string): string {
  const [head, ...rest] = raw.replace(/\r\n/g, '\n').split('\n\n');
  const body = rest.join('\n\n');
  if (!/content-transfer-encoding:\s*quoted-printable/i.test(head)) return body;
  return body.replace(/=\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
}

export const find = {
  /** Waits for a mail to `to` whose subject contains `subject`; returns its first link. */
  /** Waits for the `nth` (1-based) mail to `to` whose subject contains `subject`; returns its first link. */
  async mailLink(to: string, subject: string, nth = 1): Promise<string> {
    const dir = join(env('MUSTER_TEST_MAILDIR'), 'new');
    for (let i = 0; i < 200; i++) {
      const links = readdirSync(dir)
        .map((f) => join(dir, f))
        .sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs)
        .map((f) => readFileSync(f, 'utf8'))
        .filter((raw) => {
          const unfolded = raw.replace(/\r?\n[ \t]+/g, ' ');
          return new RegExp(`^To:.*${to.replace(/[.+]/g, '\\$&')}`, 'mi').test(unfolded) && new RegExp(`^Subject:.*${subject}`, 'mi').test(unfolded);
        })
        .map((raw) => decode(raw).match(/https?:\/\/\S+/)?.[0])
        .filter((l): l is string => !!l);
      if (links.length >= nth) return links[nth - 1];
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no mail #${nth} to ${to} about ${subject}`);
  },
};

/** RFC 6238 (SHA-1, 6 digits, 30 s), as an authenticator app computes it from the base32 secret. */
export function totp(secret: string, atMs = Date.now()): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secret.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g)!.map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(atMs / 1000 / 30)));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1] & 15;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

/** Waits for the `nth` text message the local gateway took for `to`; returns it (body, id, authorization). */
export async function textMessage(to: string, nth = 1): Promise<{ body: string; id: string; authorization: string; code: string }> {
  const dir = env('MUSTER_TEST_SMS_DIR');
  for (let i = 0; i < 200; i++) {
    const found = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')))
      .filter((m) => m.to === to);
    if (found.length >= nth) {
      const m = found[nth - 1];
      return { ...m, code: m.body.match(/\b\d{6}\b/)[0] };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no text message #${nth} to ${to}`);
}

export const act = {
  /** Replaces the DNS server's records and restarts it (dnsmasq does not reload on SIGHUP). */
  publishDns(lines: string[]) {
    writeFileSync(env('MUSTER_TEST_DNS_RECORDS'), lines.join('\n') + '\n');
    execFileSync('bash', [join(__dirname, '..', 'services', 'dnsmasq.sh'), 'restart', env('MUSTER_E2E_RUN'), env('MUSTER_TEST_DNS_PORT'), env('MUSTER_TEST_DNS_RECORDS')]);
  },

  async signUp(page: Page, email: string) {
    await page.goto('/sign-up');
    await page.getByLabel('Work email').fill(email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect(page.getByText('Check your inbox.')).toBeVisible();
  },

  /** Opens the activation link, types the sign-up password and presses the button: activated and signed in. */
  async activate(page: Page, email: string, nth = 1) {
    await page.goto(await find.mailLink(email, 'Activate your Muster account', nth));
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Activate my account' }).click();
    await expect(page).toHaveURL(/\/console/);
  },

  async signIn(page: Page, email: string) {
    await page.goto('/sign-in');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
  },

  /** Signs up a PMA of a new domain, claims it, publishes the TXT record and verifies: the console is open. */
  async verifiedAdmin(page: Page): Promise<{ domain: string; email: string }> {
    const domain = uniqueDomain();
    const email = `pma@${domain}`;
    await act.signUp(page, email);
    await act.activate(page, email);
    await act.signIn(page, email);
    await page.getByRole('link', { name: 'Set up my enterprise' }).click();
    await page.getByRole('button', { name: 'Claim domain' }).click();
    await act.reauth(page);
    const txt = (await page.locator('[data-test=txt-value]').textContent())!;
    act.publishDns([`txt-record=_muster-challenge.${domain},"${txt}"`]);
    await page.getByRole('button', { name: 'Check now' }).click();
    await expect(page.locator('.topbar [data-status]')).toHaveText('Verified');
    return { domain, email };
  },

  async reauth(page: Page) {
    await expect(page.getByRole('heading', { name: "Confirm it's you" })).toBeVisible();
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Open the console' }).click();
  },
};

export const check = {
  /** Fails the test on any console error (a missing asset, a panic in the wasm). */
  noConsoleErrors(page: Page): string[] {
    const errors: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error' && !/status of 40[134]|status of 422/.test(m.text())) errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(String(e)));
    return errors;
  },
};
