// Company Settings › Preferences (admins only): the email and calendar provider, the InMail default
// visibility and the internal domains. PATCH /api/contract/settings, one section at a time.
import { get, patch } from '../api.js';
import { h, mount, pageHeader, spinner, errorBox, notice, card } from '../dom.js';

const PROVIDERS = [
  { value: 'google', label: 'Google Workspace', hint: 'Gmail and Google Calendar' },
  { value: 'microsoft', label: 'Microsoft 365', hint: 'Outlook and Exchange Online' },
  { value: 'none', label: 'None', hint: 'Email syncing is off for everyone in the company' },
];

export function providerLabel(value) {
  const p = PROVIDERS.find((x) => x.value === value);
  return p ? p.label : 'None';
}

export async function render(ctx) {
  const header = pageHeader('Company settings', 'Preferences for everyone in your company');
  if (ctx.me.role !== 'admin') {
    mount(ctx.root, pageHeader('Company settings'), errorBox({
      message: 'Only your company\'s HireSync administrators can see and change company settings.',
      remedy: 'Ask an administrator if something here needs to change.' }, 'not-admin'));
    return;
  }
  mount(ctx.root, header, spinner());
  let settings;
  try {
    settings = await get('/api/contract/settings');
  } catch (e) {
    if (ctx.alive()) mount(ctx.root, header, errorBox(e));
    return;
  }
  if (!ctx.alive()) return;

  const status = h('div', { class: 'status-slot', 'aria-live': 'polite' });
  async function save(changes) {
    mount(status);
    try {
      const saved = await patch('/api/contract/settings', changes);
      settings = saved && saved.email_provider ? saved : await get('/api/contract/settings');
      mount(status, notice('Saved.', 'settings-saved'));
      return true;
    } catch (e) {
      mount(status, errorBox(e));
      return false;
    }
  }

  // --- provider: a read view with Edit, and an edit form with radios and Save ---
  const providerBody = h('div', {});
  function showProvider() {
    mount(providerBody,
      h('div', { class: 'setting-view' },
        h('div', {},
          h('div', { class: 'setting-label muted' }, 'Current provider'),
          h('div', { class: 'setting-value', testid: 'provider-current' }, providerLabel(settings.email_provider))),
        h('button', { class: 'btn', type: 'button', testid: 'provider-edit', onclick: editProvider }, 'Edit')));
  }
  function editProvider() {
    const radios = PROVIDERS.map((p) => h('label', { class: 'radio-card' },
      h('input', { type: 'radio', name: 'email_provider', value: p.value, testid: `provider-${p.value}`,
        checked: settings.email_provider === p.value }),
      h('span', {}, h('strong', {}, p.label), h('span', { class: 'muted' }, p.hint))));
    const saveButton = h('button', { class: 'btn btn-primary', type: 'submit', testid: 'provider-save' }, 'Save');
    const form = h('form', { class: 'setting-edit' },
      h('fieldset', {}, h('legend', { class: 'sr-only' }, 'Email and calendar provider'), radios),
      h('p', { class: 'muted' }, 'Changing the provider stops syncing of mailboxes connected with the other '
        + 'provider; recruiters then authorize their work email again.'),
      h('div', { class: 'form-row' }, saveButton,
        h('button', { class: 'btn btn-ghost', type: 'button', onclick: showProvider }, 'Cancel')));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const chosen = form.querySelector('input[name="email_provider"]:checked');
      if (!chosen) return;
      saveButton.disabled = true;
      if (await save({ email_provider: chosen.value })) showProvider();
      else saveButton.disabled = false;
    });
    mount(providerBody, form);
  }
  showProvider();

  // --- InMail default visibility ---
  const inmail = h('select', { id: 'inmail-default', testid: 'inmail-default' },
    h('option', { value: 'private', selected: settings.inmail_default_visibility === 'private' },
      'Private to the sender'),
    h('option', { value: 'contract', selected: settings.inmail_default_visibility === 'contract' },
      'Public to everyone in the company'));
  const inmailSave = h('button', { class: 'btn', type: 'button', testid: 'inmail-save',
    onclick: () => save({ inmail_default_visibility: inmail.value }) }, 'Save');

  // --- internal domains ---
  const domains = h('textarea', { id: 'internal-domains', testid: 'internal-domains', rows: '4',
    spellcheck: 'false', placeholder: 'acme.co.uk' });
  domains.value = (settings.internal_domains || []).join('\n');
  const domainsSave = h('button', { class: 'btn', type: 'button', testid: 'domains-save',
    onclick: () => save({ internal_domains: domains.value.split(/[\s,]+/).map((d) => d.trim().toLowerCase())
      .filter(Boolean) }) }, 'Save');

  mount(ctx.root, header,
    h('nav', { class: 'subnav' }, h('span', { class: 'subnav-item active' }, 'Preferences')),
    status,
    card('Company email and calendar provider',
      h('p', { class: 'muted' }, 'Which provider your recruiters\' work email is on. Until one is chosen, '
        + 'nobody can authorize their work email and nothing is synced.'),
      providerBody),
    card('InMail default visibility',
      h('p', { class: 'muted' }, 'Who sees a new InMail when the sender does not choose. Synced emails always '
        + 'start private to the recruiter whose mailbox they came from.'),
      h('div', { class: 'form-row' }, h('label', { for: 'inmail-default' }, 'New InMails are'), inmail, inmailSave)),
    card('Internal domains',
      h('p', { class: 'muted' }, 'Email domains of your own company, one per line. Addresses on them are never '
        + 'treated as candidates. The domain of each recruiter\'s own mailbox always counts as internal.'),
      h('label', { class: 'sr-only', for: 'internal-domains' }, 'Internal domains'), domains,
      h('div', { class: 'form-row' }, domainsSave)));
}
