// For IT admins: the scopes HireSync asks for on Google Workspace and Microsoft 365, why each is
// needed, how to approve the app for the whole organization, and a request to copy to IT.
import { get } from '../api.js';
import { h, mount, pageHeader, card, ago } from '../dom.js';

// The scopes requested by src/providers/google/google.hpp and src/providers/microsoft/microsoft.hpp.
const PROVIDERS = {
  google: {
    label: 'Google Workspace',
    scopes: [
      ['https://www.googleapis.com/auth/gmail.readonly', 'Read email to find conversations with candidates. It is '
        + 'the narrowest Gmail scope that allows searching the mailbox for a candidate\'s address (to import '
        + 'earlier conversations) and reading a message in its original format. HireSync never sends, deletes '
        + 'or modifies mail.'],
      ['openid', 'Sign-in: proves which Google account completed the authorization.'],
      ['email', 'Tells HireSync the address of the mailbox that was connected, so it syncs the right one.'],
    ],
    steps: [
      'Open the Google Admin console (admin.google.com) as a super administrator.',
      'Go to Security › Access and data control › API controls, then Manage Third-Party App Access.',
      'Choose Add app › OAuth App Name Or Client ID, search for HireSync, and select it.',
      'Choose who it applies to (the whole organization or the recruiters\' organizational unit) and set it '
        + 'to Trusted, so the Gmail read-only scope is allowed.',
      'Make sure Gmail is turned on for the recruiters\' accounts (Apps › Google Workspace › Gmail).',
    ],
  },
  microsoft: {
    label: 'Microsoft 365',
    scopes: [
      ['Mail.Read', 'Read email to find conversations with candidates: the narrowest Microsoft Graph mail '
        + 'permission that allows searching for a candidate\'s address, reading a message\'s original MIME '
        + 'and receiving change notifications. HireSync never sends, deletes or modifies mail.'],
      ['User.Read', 'Sign-in and the signed-in user\'s basic profile (their mailbox address).'],
      ['offline_access', 'A refresh token, so syncing continues without the recruiter signing in again every '
        + 'hour.'],
      ['openid', 'Sign-in: proves which Microsoft account completed the authorization.'],
      ['email', 'Tells HireSync the address of the account that was connected.'],
    ],
    steps: [
      'Open the Microsoft Entra admin center (entra.microsoft.com) as a Global Administrator, Cloud '
        + 'Application Administrator or Application Administrator.',
      'Go to Identity › Applications › Enterprise applications and open HireSync (it appears after the first '
        + 'recruiter tries to connect; or use the consent link HireSync support gives you).',
      'Under Security › Permissions, choose "Grant admin consent for <your organization>" and accept the '
        + 'delegated permissions Mail.Read, User.Read, offline_access, openid and email.',
      'If "Assignment required?" is Yes in Properties, add the recruiters (or their group) under Users and groups.',
      'Recruiters\' mailboxes must be in Exchange Online (not on-premises Exchange) with an Exchange Online license.',
    ],
  },
};

function requestText(key, company) {
  const p = PROVIDERS[key];
  return [
    'Hello IT team,',
    '',
    `Our recruiters use HireSync to keep their email conversations with candidates next to the candidate's `
      + `profile. To connect their work email, HireSync needs to be approved for ${company || 'our company'} `
      + `on ${p.label}.`,
    '',
    'Please approve the app "HireSync" with these delegated permissions (each recruiter still authorizes their '
      + 'own mailbox; HireSync only reads mail and only keeps messages with candidates saved to our projects):',
    ...p.scopes.map(([scope, why]) => `  - ${scope}: ${why}`),
    '',
    'Steps:',
    ...p.steps.map((s, i) => `  ${i + 1}. ${s}`),
    '',
    'Thank you!',
  ].join('\n');
}

// Admins: the company's current push problems (GET /api/contract/problems): mail still syncs by
// polling, but instant updates need IT to fix what each problem names.
function problemsCard(list) {
  if (!list.length) {
    return card('Instant updates', h('p', { class: 'muted', testid: 'it-admin-no-problems' },
      'No problems: every connected mailbox receives instant change notifications.'));
  }
  return card('Instant updates need attention',
    h('p', {}, 'These mailboxes still sync, but only at the regular check interval, until IT fixes the cause.'),
    h('table', { class: 'table', testid: 'it-admin-problems' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Mailbox'), h('th', {}, 'What happened'), h('th', {}, 'What IT should do'),
        h('th', {}, 'Since'))),
      h('tbody', {}, list.map((p) => h('tr', { data: { cause: p.cause } },
        h('td', {}, p.mailbox_id ? `#${p.mailbox_id} (${p.provider})` : p.provider),
        h('td', {}, p.message || p.cause),
        h('td', {}, p.remedy || ''),
        h('td', {}, `${ago(p.since)} (${p.count} attempts)`))))));
}

export async function render(ctx) {
  const settings = await get('/api/contract/settings').catch(() => null);
  const problems = ctx.me.role === 'admin'
    ? await get('/api/contract/problems').then((r) => r.problems).catch(() => null) : null;
  if (!ctx.alive()) return;
  let current = settings && PROVIDERS[settings.email_provider] ? settings.email_provider : 'google';
  const company = ctx.me.contract ? ctx.me.contract.name : '';

  const request = h('textarea', { class: 'request-text mono', testid: 'it-admin-request', rows: '18', readOnly: true,
    spellcheck: 'false', 'aria-label': 'Request to your IT team' });
  const copied = h('span', { class: 'copied muted', 'aria-live': 'polite' });
  const copy = h('button', { class: 'btn btn-primary', type: 'button', testid: 'it-admin-copy' }, 'Copy');
  copy.addEventListener('click', async () => {
    try {
      if (!navigator.clipboard || !window.isSecureContext) throw new Error('no clipboard API');
      await navigator.clipboard.writeText(request.value);
      copied.textContent = 'Copied to the clipboard.';
    } catch (e) {
      request.focus();
      request.select();
      let ok = false;
      try { ok = document.execCommand('copy'); } catch (e2) { ok = false; }
      copied.textContent = ok ? 'Copied to the clipboard.' : 'Selected: press Ctrl+C (⌘C on a Mac) to copy.';
    }
  });

  const details = h('div', {});
  const switcher = h('div', { class: 'segmented', role: 'tablist' }, Object.entries(PROVIDERS).map(([key, p]) => {
    const b = h('button', { type: 'button', role: 'tab', class: 'segment', testid: `it-admin-${key}`,
      'aria-selected': String(key === current) }, p.label);
    b.addEventListener('click', () => {
      current = key;
      for (const other of switcher.children) other.setAttribute('aria-selected', String(other === b));
      draw();
    });
    return b;
  }));

  function draw() {
    const p = PROVIDERS[current];
    mount(details,
      card(`Permissions HireSync asks for on ${p.label}`,
        h('table', { class: 'table scopes' },
          h('thead', {}, h('tr', {}, h('th', {}, 'Scope'), h('th', {}, 'Why it is needed'))),
          h('tbody', {}, p.scopes.map(([scope, why]) => h('tr', {},
            h('td', {}, h('code', {}, scope)), h('td', {}, why)))))),
      card('Approve HireSync for the whole organization',
        h('ol', { class: 'plain-list numbered' }, p.steps.map((s) => h('li', {}, s)))));
    request.value = requestText(current, company);
    copied.textContent = '';
  }

  mount(ctx.root,
    pageHeader('For IT admins', 'What to approve so recruiters can connect their work email'),
    h('p', { class: 'lead' }, 'Each recruiter authorizes their own mailbox. HireSync reads mail only, keeps '
      + 'only conversations with candidates saved to your company\'s projects, and never sends, deletes or changes '
      + 'anything. Many organizations require an administrator to approve such an app once.'),
    problems ? problemsCard(problems) : null,
    switcher,
    details,
    card('Request to send to your IT team',
      h('p', { class: 'muted' }, 'Copy this text into an email or a ticket for your IT team.'),
      request,
      h('div', { class: 'form-row' }, copy, copied)));
  draw();
}
