// The recruiter's and the admin's journey through the web app, by clicking, in headless chromium.
// run_journey.py starts the stack and passes the world in $HIRESYNC_E2E; this file only uses the
// browser (and the sandbox's control API, which plays the candidate sending an email).
import assert from 'node:assert/strict';
import path from 'node:path';
import { chromium } from 'playwright-core';

const W = JSON.parse(process.env.HIRESYNC_E2E);
const SECONDS = 1000;
const tid = (id) => `[data-testid="${id}"]`;

const browser = await chromium.launch({ executablePath: W.chromium, args: ['--no-sandbox'] });
const pages = [];

async function shot(page, name) {
  await page.screenshot({ path: path.join(W.artifacts, `${name}.png`), fullPage: true });
}

async function step(name, fn) {
  const started = Date.now();
  try {
    await fn();
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    console.log(`FAIL ${name}: ${e.stack || e}`);
    for (const [i, p] of pages.entries()) await shot(p, `failure-${i}`).catch(() => {});
    await browser.close();
    process.exit(1);
  }
}

// A signed-in page of its own browser context (its own cookies).
async function signIn(email) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(10 * SECONDS);
  page.on('dialog', (d) => d.accept());
  page.on('pageerror', (e) => console.log(`page error (${email}): ${e.message}`));
  pages.push(page);
  await page.goto(`${W.base}/login`);
  await page.fill(tid('login-email'), email);
  await page.fill(tid('login-password'), W.password);
  await page.click(tid('login-submit'));
  await page.waitForSelector(tid('nav-user'));
  return page;
}

// Delivers an email to the recruiter's sandbox mailbox, as the candidate's mail server would.
async function deliver(to, raw, folder = 'inbox') {
  const r = await fetch(`${W.sandbox}/control/accounts/${encodeURIComponent(to)}/messages`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ folder, raw }),
  });
  assert.ok(r.ok, `sandbox delivery answered ${r.status}`);
}

function email({ from, to, subject, id, body }) {
  return [`From: ${from}`, `To: ${to}`, `Subject: ${subject}`, `Message-ID: <${id}>`,
    `Date: ${new Date().toUTCString().replace('GMT', '+0000')}`, 'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8', '', body, ''].join('\r\n');
}

const messageBy = (page, subject) => page.locator(tid('message'), { hasText: subject });

async function openCandidate(page) {
  await page.click(tid('nav-projects'));
  await page.click(`${tid('project-link')} >> text=${W.project.name}`);
  await page.waitForSelector(tid('pipeline'));
  await page.locator(tid('pipeline-row'), { hasText: W.candidate.name }).locator(tid('candidate-link')).click();
  await page.waitForSelector(tid('candidate-name'));
  await page.click(tid('tab-messages'));
}

let admin;
let other;
let messageId;
const subject = `Re: Backend Engineer role ${Date.now()}`;

await step('the admin signs in and enables Google Workspace', async () => {
  admin = await signIn(W.admin);
  await admin.click(tid('nav-settings-company'));
  await admin.waitForSelector(`${tid('provider-current')} >> text=None`);
  await admin.click(tid('provider-edit'));
  await admin.check(tid('provider-google'));
  await admin.click(tid('provider-save'));
  await admin.waitForSelector(`${tid('provider-current')} >> text=Google Workspace`);
  await admin.selectOption(tid('inmail-default'), 'contract');
  await admin.click(tid('inmail-save'));
  await admin.waitForSelector(tid('settings-saved'));
  const settings = await (await admin.request.get(`${W.base}/api/contract/settings`)).json();
  assert.equal(settings.email_provider, 'google');
  assert.equal(settings.inmail_default_visibility, 'contract');
  await shot(admin, '01-company-settings');
});

await step('a recruiter who is not an admin does not see company settings', async () => {
  other = await signIn(W.other);
  await other.waitForSelector(tid('nav-projects'));
  assert.equal(await other.locator(tid('nav-settings-company')).count(), 0);
});

await step('an authorization the admin blocked at Google shows as not finished, with its causes', async () => {
  await other.click(tid('nav-settings-email'));
  await other.click(tid('mailbox-authorize'));
  await other.waitForURL((url) => url.toString().startsWith(W.sandbox));
  await other.fill('input[name="account"]', W.blocked);
  await other.getByRole('button', { name: 'Allow' }).click();
  // Google's own error page: the browser never comes back to HireSync.
  await other.waitForSelector('#error-code >> text=admin_policy_enforced');
  assert.ok(other.url().startsWith(W.sandbox), `left the provider's page for ${other.url()}`);
  await shot(other, '02a-google-access-blocked');
  await other.goto(`${W.base}/settings/email`);
  await other.waitForSelector(tid('mailbox-not-finished'), { timeout: 15 * SECONDS });
  const causes = await other.locator(`${tid('mailbox-likely-causes')} li`).evaluateAll(
    (items) => items.map((li) => li.dataset.code));
  assert.ok(causes.includes('admin_policy_enforced'), `likely causes: ${causes}`);
  assert.equal(await other.getAttribute(tid('mailbox-it-admin-link'), 'href'), '/it-admin');
  await shot(other, '02b-email-settings-not-finished');
});

await step('the recruiter authorizes their work email through the consent page', async () => {
  await admin.click(tid('nav-settings-email'));
  await admin.click(tid('mailbox-authorize'));
  await admin.waitForURL((url) => url.toString().startsWith(W.sandbox));
  await shot(admin, '02-consent-page');
  await admin.getByRole('button', { name: 'Allow' }).click();
  await admin.waitForURL((url) => url.toString().startsWith(`${W.base}/settings/email`));
  await admin.waitForSelector(`${tid('mailbox-outcome')} >> text=Connected`);
  await admin.waitForSelector(`${tid('mailbox-status')} >> text=live`, { timeout: 20 * SECONDS });
  assert.match(await admin.textContent(tid('mailbox-address')), /rita@acme-robotics\.com/);
  await shot(admin, '03-email-settings-live');
});

await step('a candidate email appears in the Messages tab without reloading', async () => {
  await openCandidate(admin);
  await admin.waitForSelector(tid('threads-empty'));
  await admin.evaluate(() => { window.__notReloaded = true; });
  await deliver(W.recruiter, email({ from: `${W.candidate.name} <${W.candidate.email}>`, to: W.recruiter,
    subject, id: `journey-${Date.now()}@example.org`, body: 'Thanks, Tuesday works for me.' }));
  await messageBy(admin, subject).waitFor({ timeout: 10 * SECONDS });
  assert.equal(await admin.evaluate(() => window.__notReloaded), true, 'the page was reloaded');
  const message = messageBy(admin, subject);
  assert.equal((await message.locator(tid('message-badge')).textContent()).trim(), 'Private to me');
  messageId = await message.getAttribute('data-message-id');
  await message.locator(tid('message-subject')).click();
  await message.locator(`${tid('message-body')} >> text=Tuesday works for me`).waitFor();
  await shot(admin, '04-messages-private');
});

await step('the other recruiter cannot see the private message', async () => {
  await openCandidate(other);
  await other.waitForSelector(tid('threads-empty'));
  assert.equal(await messageBy(other, subject).count(), 0);
  const r = await other.request.get(`${W.base}/api/messages/${messageId}`);
  assert.equal(r.status(), 404);
});

await step('the owner makes the thread public and the other recruiter sees it', async () => {
  const thread = admin.locator(tid('thread'), { hasText: subject });
  await thread.locator(tid('thread-visibility-toggle')).click();
  await messageBy(admin, subject).locator(`${tid('message-badge')} >> text=Public to everyone`).waitFor();
  await messageBy(other, subject).waitFor({ timeout: 10 * SECONDS });
  const seen = messageBy(other, subject);
  assert.equal((await seen.locator(tid('message-badge')).textContent()).trim(), 'Public to everyone');
  assert.equal(await seen.locator(tid('message-visibility-toggle')).count(), 0, 'only the owner may toggle');
  await shot(other, '05-messages-public-other-recruiter');
});

await step('an InMail follows the admin default unless the sender chooses', async () => {
  const shared = `InMail default ${Date.now()}`;
  await admin.fill(tid('inmail-subject'), shared);
  await admin.fill(tid('inmail-body'), 'Would you like to talk about the role?');
  await admin.selectOption(tid('inmail-visibility'), 'default');
  await admin.click(tid('inmail-send'));
  await messageBy(admin, shared).locator(`${tid('message-badge')} >> text=Public to everyone`).waitFor();
  await messageBy(other, shared).waitFor({ timeout: 10 * SECONDS });

  const mine = `InMail private ${Date.now()}`;
  await admin.fill(tid('inmail-subject'), mine);
  await admin.fill(tid('inmail-body'), 'Just between us.');
  await admin.selectOption(tid('inmail-visibility'), 'private');
  await admin.click(tid('inmail-send'));
  await messageBy(admin, mine).locator(`${tid('message-badge')} >> text=Private to me`).waitFor();
  const threads = await (await other.request.get(`${W.base}/api/candidates/${W.candidate.id}/threads`)).json();
  const subjects = threads.flatMap((t) => t.messages.map((m) => m.subject));
  assert.ok(subjects.includes(shared) && !subjects.includes(mine), JSON.stringify(subjects));
  await shot(admin, '06-inmails');
});

await step('the pipeline shows the latest activity visible to each recruiter', async () => {
  await admin.click(tid('nav-projects'));
  await admin.click(`${tid('project-link')} >> text=${W.project.name}`);
  const row = admin.locator(tid('pipeline-row'), { hasText: W.candidate.name });
  await row.locator(tid('last-activity')).waitFor();
  assert.match(await row.locator(tid('last-activity')).textContent(), /InMail private/);
  await row.locator(tid('pipeline-expand')).click();
  await row.locator(tid('pipeline-recent')).or(admin.locator(tid('pipeline-recent'))).first().waitFor();
  await shot(admin, '07-pipeline');
});

await step('troubleshooting explains a message that did not sync', async () => {
  await admin.click(tid('nav-troubleshooting'));
  await admin.fill(tid('explain-raw'), email({ from: 'Pat <pat@acme-robotics.com>', to: W.recruiter,
    subject: 'Panel feedback', id: `internal-${Date.now()}@acme-robotics.com`, body: 'Internal.' }));
  await admin.click(tid('explain-submit'));
  await admin.locator(`${tid('explain-participant')} >> text=own company's domain`).first().waitFor();
  // Or pick from the latest emails of the mailbox: an unrelated one says it did not sync and why.
  const unrelated = `Weekly digest ${Date.now()}`;
  await deliver(W.recruiter, email({ from: 'Jobs Digest <digest@newsletters.example>', to: W.recruiter,
    subject: unrelated, id: `digest-${Date.now()}@newsletters.example`, body: '12 new roles.' }));
  await admin.click(tid('explain-recent-load'));
  const item = admin.locator(tid('explain-recent-item'), { hasText: unrelated });
  assert.equal((await item.locator(tid('explain-recent-status')).textContent()).trim(), 'Not synced');
  assert.equal((await admin.locator(tid('explain-recent-item'), { hasText: subject })
    .locator(tid('explain-recent-status')).textContent()).trim(), 'Synced');
  await item.locator(tid('explain-recent-explain')).click();
  await admin.locator(`${tid('explain-result')} >> text=no platform member lists this address`).first().waitFor();
  await shot(admin, '08-troubleshooting');
});

await step('deauthorizing stops syncing and keeps the messages', async () => {
  await admin.click(tid('nav-settings-email'));
  await admin.click(tid('mailbox-deauthorize'));
  await admin.waitForSelector(`${tid('mailbox-status')} >> text=disconnected`);
  await admin.waitForSelector(tid('mailbox-reauthorize'));
  await openCandidate(admin);
  await messageBy(admin, subject).waitFor();
  await shot(admin, '09-deauthorized-messages-kept');
});

await step('reauthorizing resumes syncing', async () => {
  await admin.click(tid('nav-settings-email'));
  await admin.click(tid('mailbox-reauthorize'));
  await admin.waitForURL((url) => url.toString().startsWith(W.sandbox));
  await admin.getByRole('button', { name: 'Allow' }).click();
  await admin.waitForSelector(`${tid('mailbox-outcome')} >> text=Connected`);
  await admin.waitForSelector(`${tid('mailbox-status')} >> text=live`, { timeout: 20 * SECONDS });
  const later = `After reauthorizing ${Date.now()}`;
  await deliver(W.recruiter, email({ from: `${W.candidate.name} <${W.candidate.email}>`, to: W.recruiter,
    subject: later, id: `journey-later-${Date.now()}@example.org`, body: 'Following up.' }));
  await openCandidate(admin);
  await messageBy(admin, later).waitFor({ timeout: 10 * SECONDS });
  await messageBy(admin, subject).waitFor();
});

await step('a user of another contract gets 404 for the candidate and its threads', async () => {
  const outsider = await signIn(W.outsider);
  for (const p of [`/api/candidates/${W.candidate.id}/threads`, `/api/candidates/${W.candidate.id}`,
    `/api/messages/${messageId}`]) {
    const r = await outsider.request.get(`${W.base}${p}`);
    assert.equal(r.status(), 404, p);
  }
  await outsider.goto(`${W.base}/candidates/${W.candidate.id}`);
  await outsider.waitForSelector(tid('candidate-not-found'));
  assert.equal(await messageBy(outsider, subject).count(), 0);
  await shot(outsider, '10-other-contract-not-found');
});

await browser.close();
console.log('journey: every step passed');
