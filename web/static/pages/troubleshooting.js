// Troubleshooting: why was (or wasn't) a message synced? Paste the raw message, give the provider's
// message id, or pick one of the latest messages of your mailbox (GET /api/me/mailbox/recent, read
// from the provider on demand); POST /api/me/mailbox/explain answers per participant, in plain words.
import { get, post } from '../api.js';
import { h, mount, pageHeader, errorBox, card, ago, fullTime } from '../dom.js';

export const REASON_WORDS = {
  matched: 'synced',
  own_address: 'this is your own address',
  internal_domain: 'this address is on your own company\'s domain',
  no_profile: 'no platform member lists this address',
  discovery_restricted: 'this member does not let recruiters find them by email',
  not_in_project: 'this member is not saved to any of your company\'s projects',
  erased: 'this person asked to be erased (GDPR)',
  sync_disabled: 'your company has email syncing turned off',
  malformed: 'the message could not be read',
};

const ROLE_WORDS = { from: 'From', sender: 'Sender', reply_to: 'Reply-To', to: 'To', cc: 'Cc', bcc: 'Bcc' };

function words(reason, fallback) {
  return REASON_WORDS[reason] || fallback || reason;
}

export async function render(ctx) {
  const raw = h('textarea', { id: 'explain-raw', testid: 'explain-raw', rows: '10', spellcheck: 'false',
    class: 'mono', placeholder: 'From: Ann Lee <ann@example.org>\nTo: you@yourcompany.com\nSubject: …\n\n…' });
  const id = h('input', { id: 'explain-id', testid: 'explain-id', type: 'text', class: 'mono',
    placeholder: 'e.g. 18c2f0a9b7e4d123', spellcheck: 'false' });
  const submit = h('button', { class: 'btn btn-primary', type: 'submit', testid: 'explain-submit' }, 'Explain');
  const result = h('div', { class: 'explain-out', 'aria-live': 'polite' });

  const form = h('form', { class: 'explain-form' },
    h('label', { for: 'explain-raw' }, 'Paste the message'),
    h('p', { class: 'muted hint' }, 'In Gmail: ⋮ › Show original › Copy to clipboard. In Outlook: File › '
      + 'Properties › Internet headers. The headers are enough; the body is not needed.'),
    raw,
    h('div', { class: 'or' }, h('span', {}, 'or')),
    h('label', { for: 'explain-id' }, 'The provider\'s message id (from your connected mailbox)'),
    id,
    h('div', { class: 'form-row' }, submit));

  async function explain(body) {
    submit.disabled = true;
    mount(result, h('p', { class: 'muted' }, 'Checking…'));
    try {
      mount(result, explanation(await post('/api/me/mailbox/explain', body)));
    } catch (e) {
      mount(result, errorBox(e));
    } finally {
      submit.disabled = false;
    }
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const rawText = raw.value.trim();
    const idText = id.value.trim();
    if (!rawText === !idText) {
      mount(result, errorBox({ message: rawText ? 'Give either the pasted message or a message id, not both.'
        : 'Paste a message or enter a message id first.' }));
      return;
    }
    explain(rawText ? { raw: raw.value } : { provider_message_id: idText });
  });

  // The latest messages of the mailbox, on demand (each costs provider quota): pick one to explain.
  const recent = h('div', { testid: 'explain-recent' });
  const load = h('button', { class: 'btn', type: 'button', testid: 'explain-recent-load' }, 'Show my latest emails');
  load.addEventListener('click', async () => {
    load.disabled = true;
    mount(recent, h('p', { class: 'muted' }, 'Asking your email provider…'));
    try {
      const messages = await get('/api/me/mailbox/recent');
      mount(recent, messages.length ? h('ul', { class: 'recent-list' }, messages.map((m) => {
        const pick = h('button', { class: 'btn btn-small', type: 'button', testid: 'explain-recent-explain' }, 'Explain');
        pick.addEventListener('click', () => {
          raw.value = '';
          id.value = m.provider_message_id;
          explain({ provider_message_id: m.provider_message_id });
        });
        return h('li', { class: 'recent-item', testid: 'explain-recent-item', data: { messageId: m.provider_message_id } },
          h('div', { class: 'recent-text' },
            h('div', {}, h('strong', {}, m.subject || '(no subject)')),
            h('div', { class: 'muted' }, m.from || 'unknown sender', ' · ',
              m.received_at ? h('time', { datetime: m.received_at, title: fullTime(m.received_at) }, ago(m.received_at))
                : 'no date')),
          h('span', { class: `badge ${m.synced ? 'badge-public' : 'badge-private'}`, testid: 'explain-recent-status' },
            m.synced ? 'Synced' : 'Not synced'),
          pick);
      })) : h('p', { class: 'muted' }, 'No email in your mailbox in the last 30 days.'));
    } catch (e) {
      mount(recent, errorBox(e));
    } finally {
      load.disabled = false;
    }
  });

  mount(ctx.root,
    pageHeader('Troubleshooting', 'Why was a message synced, or not?'),
    h('div', { class: 'two-col' },
      card(null, form),
      h('div', {}, result,
        card('Your latest emails',
          h('p', { class: 'muted' }, 'Pick one to see why it was or was not synced. Read from your mailbox '
            + 'now, shown only to you, and not stored.'),
          h('div', { class: 'form-row' }, load), recent),
        card('How HireSync decides',
        h('ol', { class: 'plain-list numbered' },
          h('li', {}, 'Your own address and your company\'s domains are never candidates.'),
          h('li', {}, 'The address must belong to a platform member who lets recruiters find them by email.'),
          h('li', {}, 'That member must be saved to one of your company\'s projects.'),
          h('li', {}, 'Your company must have email syncing turned on for your provider.'),
          h('li', {}, 'A message is synced when at least one participant passes every rule.'))))));
}

function explanation(out) {
  const synced = out.status === 'would_sync';
  const headline = out.status === 'malformed'
    ? 'Not synced: the message could not be read.'
    : synced ? 'Synced: at least one participant is a candidate of your company.'
      : `Not synced: ${words(out.reason)}.`;
  return h('section', { class: `card explain-result ${synced ? 'explain-ok' : 'explain-no'}`, testid: 'explain-result' },
    h('h2', { class: 'card-title' }, headline),
    out.subject ? h('p', { class: 'muted' }, `Subject: ${out.subject}`) : null,
    out.detail ? h('p', { class: 'muted' }, out.detail) : null,
    h('ul', { class: 'participants' }, (out.participants || []).map((p) => {
      const ok = p.result === 'matched';
      return h('li', { class: `participant ${ok ? 'participant-ok' : 'participant-no'}`, testid: 'explain-participant',
        data: { result: p.result } },
      h('span', { class: `mark ${ok ? 'mark-ok' : 'mark-no'}`, 'aria-hidden': 'true' }, ok ? '✓' : '✕'),
      h('div', {},
        h('div', {}, h('span', { class: 'muted' }, `${ROLE_WORDS[p.role] || p.role}: `),
          h('strong', {}, p.name ? `${p.name} <${p.email}>` : p.email)),
        h('div', { class: 'participant-words' }, ok ? 'synced' : `not synced: ${words(p.result, p.explanation)}`)));
    })));
}
