// My Account Settings › Email & calendar: authorize the work email (OAuth round trip), the outcome
// banner when the provider sends the browser back, and the live status of the mailbox.
import { get, post, del, problems } from '../api.js';
import { h, mount, pageHeader, spinner, errorBox, notice, card, ago } from '../dom.js';
import { providerLabel } from './settings_company.js';

const POLL_MS = 2000;
const STATE_WORDS = {
  live: ['live', 'Syncing: new email with candidates appears within seconds.'],
  backfilling: ['backfilling', 'Importing your earlier conversations with candidates.'],
  connecting: ['connecting', 'Finishing the connection with your email provider.'],
  error: ['error', 'Syncing stopped because of the problem below.'],
  needs_reauth: ['needs reauthorization', 'HireSync lost access to your mailbox. Reauthorize to resume.'],
  disconnected: ['disconnected', 'Not syncing. Emails synced earlier stay in HireSync.'],
  disabled: ['disabled', 'Your company turned email syncing off or chose another provider.'],
};

export async function render(ctx) {
  const header = pageHeader('Email & calendar', 'My account settings');
  mount(ctx.root, header, spinner());
  const outcome = await outcomeBanner(ctx.query);
  let settings;
  try {
    settings = await get('/api/contract/settings');
  } catch (e) {
    if (ctx.alive()) mount(ctx.root, header, outcome, errorBox(e));
    return;
  }
  if (!ctx.alive()) return;

  const actionStatus = h('div', { class: 'status-slot', 'aria-live': 'polite' });
  const body = h('div', {});
  mount(ctx.root, header, outcome, actionStatus, card('Work email', body), aboutCard());

  if (settings.email_provider === 'none') {
    mount(body, h('div', { class: 'callout', testid: 'mailbox-sync-disabled' },
      h('p', {}, h('strong', {}, 'Email syncing is not turned on for your company yet.')),
      h('p', {}, 'An administrator of your company must first choose the company email and calendar provider '
        + '(Google Workspace or Microsoft 365) in Company settings › Preferences. Then you can authorize your '
        + 'work email here.'),
      ctx.me.role === 'admin'
        ? h('p', {}, h('a', { class: 'btn', href: '/settings/company' }, 'Open Company settings'))
        : h('p', { class: 'muted' }, 'Ask your HireSync administrator to enable it.')));
    return;
  }

  let mailbox = null;
  let unfinished = null; // an authorization that never came back (GET /api/me/mailbox "authorization")
  let shownKey = null;
  let lastSynced = null;

  async function authorize(address, button) {
    mount(actionStatus);
    button.disabled = true;
    try {
      const out = await post('/api/me/mailbox/authorize', { address });
      window.location.assign(out.authorize_url);
    } catch (e) {
      mount(actionStatus, errorBox(e, 'mailbox-action-error'));
      button.disabled = false;
    }
  }

  async function syncNow(button) {
    mount(actionStatus);
    button.disabled = true;
    try {
      await post('/api/me/mailbox/sync');
      mount(actionStatus, notice('Checking your mailbox for new email now.', 'mailbox-sync-started'));
      await refresh();
    } catch (e) {
      mount(actionStatus, errorBox(e, 'mailbox-action-error'));
    } finally {
      button.disabled = false;
    }
  }

  async function deauthorize(button) {
    const ok = window.confirm('Stop syncing your work email? HireSync revokes its access. Emails already '
      + 'synced stay on the candidates\' profiles.');
    if (!ok) return;
    mount(actionStatus);
    button.disabled = true;
    try {
      await del('/api/me/mailbox');
      mount(actionStatus, notice('Your work email is disconnected. Synced emails were kept.', 'mailbox-deauthorized'));
      await refresh();
    } catch (e) {
      mount(actionStatus, errorBox(e, 'mailbox-action-error'));
      button.disabled = false;
    }
  }

  function draw() {
    const provider = providerLabel(settings.email_provider);
    const notFinished = unfinished ? unfinishedBox(unfinished) : null;
    if (!mailbox || mailbox.status === 'disconnected') {
      // A disconnected mailbox is reauthorized: same address, and syncing resumes from where it stopped.
      const authorizeButton = mailbox
        ? h('button', { class: 'btn btn-primary', type: 'button', testid: 'mailbox-reauthorize' }, 'Reauthorize')
        : h('button', { class: 'btn btn-primary', type: 'button', testid: 'mailbox-authorize' },
          'Authorize work email');
      authorizeButton.addEventListener('click',
        () => authorize(mailbox ? mailbox.address : ctx.me.email, authorizeButton));
      lastSynced = null;
      mount(body,
        h('div', { class: 'status-row' },
          h('span', { class: 'pill pill-off', testid: 'mailbox-status' }, mailbox ? 'disconnected' : 'not connected'),
          mailbox ? h('span', { class: 'muted', testid: 'mailbox-address' }, mailbox.address) : null),
        h('p', {}, `Connect your ${provider} mailbox (${ctx.me.email}) so that emails with candidates appear on `
          + 'their profiles, private to you until you share them.'),
        mailbox ? h('p', { class: 'muted' }, 'Emails synced before you disconnected are kept.') : null,
        notFinished,
        h('div', { class: 'form-row' }, authorizeButton));
      return;
    }
    const [word, explanation] = STATE_WORDS[mailbox.status] || [mailbox.status, ''];
    const backfill = mailbox.backfill || { done: 0, total: 0 };
    const showProgress = mailbox.status === 'backfilling' || (backfill.total > 0 && backfill.done < backfill.total);
    const sync = h('button', { class: 'btn', type: 'button', testid: 'mailbox-sync' }, 'Sync now');
    sync.addEventListener('click', () => syncNow(sync));
    const stuck = mailbox.status === 'needs_reauth' || mailbox.status === 'error';
    const reauth = h('button', { class: stuck ? 'btn btn-primary' : 'btn', type: 'button', testid: 'mailbox-reauthorize' },
      'Reauthorize');
    reauth.addEventListener('click', () => authorize(mailbox.address || ctx.me.email, reauth));
    const deauth = h('button', { class: 'btn btn-danger', type: 'button', testid: 'mailbox-deauthorize' },
      'Deauthorize');
    deauth.addEventListener('click', () => deauthorize(deauth));
    lastSynced = h('span', { testid: 'mailbox-last-synced' }, lastSyncedText(mailbox));
    mount(body,
      h('div', { class: 'status-row' },
        h('span', { class: `pill pill-${pillKind(mailbox.status)}`, testid: 'mailbox-status' }, word),
        h('span', { class: 'muted' }, explanation)),
      h('dl', { class: 'facts' },
        h('dt', {}, 'Address'), h('dd', { testid: 'mailbox-address' }, mailbox.address || ctx.me.email),
        h('dt', {}, 'Provider'), h('dd', {}, providerLabel(mailbox.provider)),
        h('dt', {}, 'Sync'), h('dd', {}, lastSynced)),
      showProgress ? h('div', { class: 'progress-wrap' },
        h('progress', { testid: 'mailbox-progress', max: String(Math.max(backfill.total, 1)),
          value: String(backfill.done) }),
        h('span', { class: 'muted' }, backfill.total
          ? `${backfill.done} of ${backfill.total} earlier messages looked at` : 'Counting earlier messages…'))
        : null,
      mailbox.error ? errorBox(mailbox.error, 'mailbox-error') : null,
      notFinished,
      h('div', { class: 'form-row' }, sync, reauth, h('span', { class: 'spacer' }), deauth));
  }

  async function refresh() {
    try {
      mailbox = await get('/api/me/mailbox');
      unfinished = mailbox.authorization || null;
    } catch (e) {
      if (e.status !== 404) return; // keep the last known state through a hiccup
      mailbox = null;
      unfinished = (e.body && e.body.authorization) || null;
    }
    if (!ctx.alive()) return;
    const key = JSON.stringify([mailbox, unfinished]);
    if (key !== shownKey) { shownKey = key; draw(); }
  }

  await refresh();
  const poll = setInterval(refresh, POLL_MS);
  const tick = setInterval(() => {
    if (lastSynced && mailbox) lastSynced.textContent = lastSyncedText(mailbox);
  }, 1000);
  ctx.onCleanup(() => { clearInterval(poll); clearInterval(tick); });
}

// An authorization that did not come back: the provider kept the browser on its own page (an
// organization's refusal) or the window was closed. What happened, the likely causes, and the IT page.
function unfinishedBox(a) {
  return h('div', { class: 'alert alert-error', role: 'alert', testid: 'mailbox-not-finished' },
    h('p', {}, h('strong', {}, a.message)),
    h('p', { class: 'muted' }, `Started ${ago(a.started_at)}.`),
    h('p', {}, a.remedy, ' ',
      h('a', { href: a.it_admin_url || '/it-admin', testid: 'mailbox-it-admin-link' },
        'What your IT team must approve')),
    h('p', {}, 'Likely causes:'),
    h('ul', { class: 'plain-list', testid: 'mailbox-likely-causes' }, (a.likely_causes || []).map((c) =>
      h('li', { data: { code: c.code } }, h('strong', {}, c.message), ' ', c.remedy))));
}

function lastSyncedText(mailbox) {
  return mailbox.last_synced_at ? `last synced ${ago(mailbox.last_synced_at)}` : 'not synced yet';
}

function pillKind(status) {
  if (status === 'live') return 'ok';
  if (status === 'backfilling' || status === 'connecting') return 'busy';
  if (status === 'error' || status === 'needs_reauth') return 'bad';
  return 'off';
}

// The banner after the provider sends the browser back: ?result=connected or ?result=error&code=.
async function outcomeBanner(query) {
  const result = query.get('result');
  if (!result) return null;
  if (result === 'connected') {
    return notice('Connected. HireSync is syncing your work email: candidate conversations appear on their '
      + 'profiles, private to you.', 'mailbox-outcome');
  }
  const code = query.get('code') || 'authorization_failed';
  const holder = query.get('holder');
  let problem = null;
  try {
    problem = (await problems())[code] || null;
  } catch (e) {
    problem = null;
  }
  const message = problem ? problem.message : 'Connecting your mailbox did not complete.';
  const remedy = problem ? problem.remedy : 'Try again. If it keeps failing, contact HireSync support.';
  const box = errorBox({ message, remedy }, 'mailbox-outcome');
  if (holder) {
    box.insertBefore(h('p', { class: 'alert-holder' }, `It is connected by ${holder}.`), box.children[1] || null);
  }
  return box;
}

function aboutCard() {
  return card('What HireSync does with your email',
    h('ul', { class: 'plain-list' },
      h('li', {}, 'Only emails with candidates saved to your company\'s projects are kept; everything else is '
        + 'skipped without being stored.'),
      h('li', {}, 'Synced emails are private to you. You can make a message or a whole conversation public to '
        + 'your company from the candidate\'s Messages tab.'),
      h('li', {}, 'HireSync only reads: it never sends, deletes or changes anything in your mailbox.'),
      h('li', {}, h('a', { href: '/troubleshooting' }, 'Why was a message not synced?'))));
}
