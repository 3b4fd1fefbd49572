// A candidate's profile with the Messages tab: threads newest first (polled every 2 s, updated in
// place), the owner's visibility toggles, and the InMail form.
import { get, post } from '../api.js';
import { h, mount, pageHeader, spinner, errorBox, notice } from '../dom.js';
import { createThreadList } from '../threads.js';

const POLL_MS = 2000;

const VISIBILITY_WORDS = { private: 'Private to me', contract: 'Public to everyone' };

export async function render(ctx) {
  const memberId = ctx.params.member_id;
  const base = `/api/candidates/${encodeURIComponent(memberId)}`;
  mount(ctx.root, spinner());
  let profile;
  let threads;
  let settings = null;
  try {
    [profile, threads] = await Promise.all([get(base), get(`${base}/threads`)]);
    settings = await get('/api/contract/settings').catch(() => null);
  } catch (e) {
    if (!ctx.alive()) return;
    mount(ctx.root, pageHeader('Candidate'), errorBox(e.status === 404
      ? { message: 'This candidate is not in any project of your company.', remedy: 'Open a candidate from a project\'s pipeline.' }
      : e, e.status === 404 ? 'candidate-not-found' : undefined));
    return;
  }
  if (!ctx.alive()) return;

  const list = createThreadList(ctx.me, { onChanged: refresh });
  let inflight = false;
  async function refresh() {
    if (inflight) return;
    inflight = true;
    try {
      const fresh = await get(`${base}/threads`);
      if (ctx.alive()) { list.update(fresh); list.showError(null); }
    } catch (e) {
      if (ctx.alive() && e.status !== 401) list.showError(e);
    } finally {
      inflight = false;
    }
  }

  const messagesPanel = h('div', { class: 'tab-panel', id: 'panel-messages', role: 'tabpanel' },
    inmailForm(ctx, base, settings, refresh), list.el);
  const profilePanel = h('div', { class: 'tab-panel', id: 'panel-profile', role: 'tabpanel', hidden: true },
    profileCard(profile));
  const tabs = [
    tab('Messages', 'tab-messages', messagesPanel, true),
    tab('Profile', 'tab-profile', profilePanel, false),
  ];
  function tab(label, testid, panel, selected) {
    const b = h('button', { class: 'tab', role: 'tab', type: 'button', testid, 'aria-selected': String(selected),
      'aria-controls': panel.id }, label);
    b.addEventListener('click', () => {
      for (const t of tabs) {
        const on = t.button === b;
        t.button.setAttribute('aria-selected', String(on));
        t.panel.hidden = !on;
      }
    });
    return { button: b, panel };
  }

  mount(ctx.root,
    h('header', { class: 'candidate-header' },
      h('div', { class: 'avatar avatar-large', 'aria-hidden': 'true' }, initials(profile.name)),
      h('div', {},
        h('h1', { testid: 'candidate-name' }, profile.name || 'Unnamed candidate'),
        h('div', { class: 'chips' },
          (profile.projects || []).map((p) => h('a', { class: 'chip', href: `/projects/${encodeURIComponent(p.id)}` },
            p.name))))),
    h('div', { class: 'tabs', role: 'tablist' }, tabs.map((t) => t.button)),
    messagesPanel, profilePanel);
  list.update(threads);

  const timer = setInterval(refresh, POLL_MS);
  ctx.onCleanup(() => clearInterval(timer));
}

function initials(name) {
  return (name || '?').split(/\s+/).filter(Boolean).slice(0, 2).map((w) => w[0].toUpperCase()).join('');
}

function profileCard(profile) {
  const emails = profile.emails || [];
  return h('section', { class: 'card' },
    h('h2', { class: 'card-title' }, 'Profile'),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Email addresses'),
      h('dd', {}, emails.length ? emails.join(', ')
        : 'Not shown: this member does not let recruiters find them by email.'),
      h('dt', {}, 'Projects'),
      h('dd', {}, (profile.projects || []).map((p) => p.name).join(', ') || 'None')));
}

function inmailForm(ctx, base, settings, refresh) {
  const fallback = settings ? settings.inmail_default_visibility : null;
  const subject = h('input', { id: 'inmail-subject', testid: 'inmail-subject', type: 'text', maxlength: '300',
    placeholder: 'Subject' });
  const body = h('textarea', { id: 'inmail-body', testid: 'inmail-body', rows: '4',
    placeholder: 'Write a message to the candidate…' });
  const visibility = h('select', { id: 'inmail-visibility', testid: 'inmail-visibility' },
    h('option', { value: 'default' },
      `Company default${fallback ? ` (${VISIBILITY_WORDS[fallback] || fallback})` : ''}`),
    h('option', { value: 'private' }, VISIBILITY_WORDS.private),
    h('option', { value: 'contract' }, VISIBILITY_WORDS.contract));
  const send = h('button', { class: 'btn btn-primary', type: 'submit', testid: 'inmail-send' }, 'Send InMail');
  const status = h('div', { class: 'form-status', 'aria-live': 'polite' });

  const form = h('form', { class: 'inmail-form' },
    h('div', { class: 'inmail-title' }, h('h2', { class: 'card-title' }, 'Send an InMail'),
      h('p', { class: 'muted' }, 'InMails are sent through HireSync and added to this candidate\'s messages.')),
    h('label', { class: 'sr-only', for: 'inmail-subject' }, 'Subject'), subject,
    h('label', { class: 'sr-only', for: 'inmail-body' }, 'Message'), body,
    h('div', { class: 'form-row' },
      h('label', { for: 'inmail-visibility' }, 'Who can see it'), visibility,
      h('span', { class: 'spacer' }), send),
    status);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    mount(status);
    if (!subject.value.trim() || !body.value.trim()) {
      mount(status, errorBox({ message: 'Write a subject and a message first.' }));
      return;
    }
    const payload = { subject: subject.value.trim(), body: body.value };
    if (visibility.value !== 'default') payload.visibility = visibility.value;
    send.disabled = true;
    try {
      await post(`${base}/inmails`, payload);
      subject.value = '';
      body.value = '';
      visibility.value = 'default';
      mount(status, notice('InMail sent.', 'inmail-sent'));
      await refresh();
    } catch (e) {
      mount(status, errorBox(e));
    } finally {
      send.disabled = false;
    }
  });
  return h('section', { class: 'card' }, form);
}
