// The Messages tab's thread list. update(threads) reconciles by id: existing thread and message nodes
// are updated in place, so an opened message body (and its iframe) and focus survive each poll.
import { get, patch } from './api.js';
import { h, mount, timeEl, person, errorBox } from './dom.js';

export const PRIVATE_LABEL = 'Private to me';
export const PUBLIC_LABEL = 'Public to everyone';

function badge(visibility) {
  const isPrivate = visibility === 'private';
  return h('span', { class: `badge ${isPrivate ? 'badge-private' : 'badge-public'}`, testid: 'message-badge' },
    isPrivate ? PRIVATE_LABEL : PUBLIC_LABEL);
}

function direction(m) {
  const out = m.direction === 'outbound';
  return h('span', { class: `dir ${out ? 'dir-out' : 'dir-in'}`, testid: 'message-direction' },
    out ? '→ Sent' : '← Received');
}

function people(m) {
  const line = (label, list) => (list && list.length
    ? h('span', { class: 'people-line' }, h('span', { class: 'muted' }, `${label} `), list.map(person).join(', '))
    : null);
  return h('div', { class: 'message-people' },
    h('span', { class: 'people-line', testid: 'message-from' }, h('span', { class: 'muted' }, 'From '),
      m.from ? person(m.from) : 'unknown sender'),
    line('To', m.to), line('Cc', m.cc));
}

function byTime(a, b) {
  return Date.parse(a.sent_at) - Date.parse(b.sent_at);
}

export function createThreadList(me, { onChanged }) {
  const threads = new Map(); // thread id -> {el, head, list, messages: Map id -> node}
  const expanded = new Set(); // message ids whose body is open
  const errorSlot = h('div', { class: 'error-slot' });
  const list = h('div', { class: 'threads' });
  const empty = h('div', { class: 'empty', testid: 'threads-empty', hidden: true },
    h('p', {}, 'No messages with this candidate that you can see.'),
    h('p', { class: 'muted' }, 'Emails synced from your mailbox and InMails appear here. Colleagues\' messages '
      + 'appear once they make them public.'));
  const el = h('div', { class: 'thread-list' }, errorSlot, empty, list);

  async function setVisibility(path, visibility) {
    mount(errorSlot);
    try {
      await patch(path, { visibility });
      await onChanged();
    } catch (e) {
      mount(errorSlot, errorBox(e));
    }
  }

  function messageHead(m) {
    const mine = m.owner_id === me.id;
    const subject = h('button', { class: 'message-subject linklike', type: 'button', testid: 'message-subject',
      'aria-expanded': String(expanded.has(m.id)) }, m.subject || '(no subject)');
    subject.addEventListener('click', () => toggleBody(m.id));
    const toggle = mine
      ? h('button', { class: 'btn btn-small btn-ghost', type: 'button', testid: 'message-visibility-toggle',
        onclick: (ev) => busyToggle(ev.currentTarget, `/api/messages/${m.id}`,
          m.visibility === 'private' ? 'contract' : 'private') },
      m.visibility === 'private' ? 'Make public' : 'Make private')
      : null;
    return h('div', { class: 'message-top' },
      h('div', { class: 'message-line' }, direction(m),
        m.kind === 'inmail' ? h('span', { class: 'badge badge-inmail' }, 'InMail') : null,
        subject),
      h('div', { class: 'message-line message-aside' }, badge(m.visibility),
        timeEl(m.sent_at, { testid: 'message-time', class: 'muted' }), toggle),
      people(m));
  }

  async function busyToggle(button, path, visibility) {
    button.disabled = true;
    await setVisibility(path, visibility);
    button.disabled = false;
  }

  function messageNode(m) {
    const node = {
      key: '',
      head: h('div', { class: 'message-head' }),
      snippet: h('p', { class: 'message-snippet muted' }),
      detail: h('div', { class: 'message-detail', hidden: !expanded.has(m.id) }),
      loaded: false,
    };
    node.el = h('article', { class: 'message', testid: 'message', data: { messageId: m.id } },
      node.head, node.snippet, node.detail);
    return node;
  }

  function updateMessage(node, m) {
    node.el.classList.toggle('message-out', m.direction === 'outbound');
    const key = JSON.stringify(m);
    if (key !== node.key) {
      node.key = key;
      mount(node.head, messageHead(m));
      node.snippet.textContent = m.snippet || '';
    } else {
      const t = node.head.querySelector('[data-testid="message-time"]');
      if (t) t.replaceWith(timeEl(m.sent_at, { testid: 'message-time', class: 'muted' }));
    }
    node.snippet.hidden = expanded.has(m.id) || !m.snippet;
  }

  async function toggleBody(id) {
    const node = findMessage(id);
    if (!node) return;
    const open = !expanded.has(id);
    if (open) expanded.add(id); else expanded.delete(id);
    node.detail.hidden = !open;
    node.snippet.hidden = open || !node.snippet.textContent;
    const subject = node.head.querySelector('[data-testid="message-subject"]');
    if (subject) subject.setAttribute('aria-expanded', String(open));
    if (open && !node.loaded) await loadBody(id, node);
  }

  async function loadBody(id, node) {
    mount(node.detail, h('p', { class: 'muted' }, 'Loading the message…'));
    try {
      const full = await get(`/api/messages/${encodeURIComponent(id)}`);
      node.loaded = true;
      const parts = [];
      const placeholder = full.has_html ? '(this message only has a formatted version, shown below)'
        : '(this message has no text)';
      parts.push(h('pre', { class: 'message-body', testid: 'message-body' }, full.text || placeholder));
      if (full.has_html) {
        parts.push(h('div', { class: 'html-frame-wrap' },
          h('div', { class: 'html-frame-label muted' }, 'Formatted version (shown in a locked-down frame)'),
          h('iframe', { class: 'message-html', testid: 'message-html-frame', sandbox: '', referrerpolicy: 'no-referrer',
            title: `Formatted message: ${full.subject || ''}`, src: `/api/messages/${encodeURIComponent(id)}/html` })));
      }
      if (full.attachments && full.attachments.length) {
        parts.push(h('ul', { class: 'attachments' }, full.attachments.map((a) => h('li', {},
          h('span', { class: 'attachment-name' }, a.filename || 'attachment'),
          h('span', { class: 'muted' }, ` ${a.content_type || ''} · ${formatSize(a.size)}`)))));
      }
      mount(node.detail, parts);
    } catch (e) {
      mount(node.detail, errorBox(e));
    }
  }

  function findMessage(id) {
    for (const t of threads.values()) if (t.messages.has(id)) return t.messages.get(id);
    return null;
  }

  function threadHead(t) {
    const mine = t.owner && t.owner.id === me.id;
    const own = t.messages.filter((m) => m.owner_id === me.id);
    const allPublic = own.length > 0 && own.every((m) => m.visibility === 'contract');
    const toggle = mine
      ? h('button', { class: 'btn btn-small', type: 'button', testid: 'thread-visibility-toggle',
        onclick: (ev) => busyToggle(ev.currentTarget, `/api/threads/${t.id}`, allPublic ? 'private' : 'contract') },
      allPublic ? 'Make private' : 'Make public')
      : null;
    const count = t.messages.length;
    return h('header', { class: 'thread-head' },
      h('div', {},
        h('h3', { class: 'thread-subject', testid: 'thread-subject' }, t.subject || '(no subject)'),
        h('p', { class: 'muted thread-meta' },
          `${count} message${count === 1 ? '' : 's'} · ${mine ? 'your mailbox' : `from ${t.owner ? t.owner.name || t.owner.email : 'a colleague'}'s mailbox`} · last `,
          timeEl(t.last_message_at))),
      toggle);
  }

  function update(data) {
    const seen = new Set();
    const order = [];
    for (const t of data) {
      seen.add(t.id);
      let node = threads.get(t.id);
      if (!node) {
        node = { key: '', head: h('div', {}), list: h('div', { class: 'thread-messages' }), messages: new Map() };
        node.el = h('section', { class: 'thread', testid: 'thread', data: { threadId: t.id } }, node.head, node.list);
        threads.set(t.id, node);
      }
      const headKey = JSON.stringify([t.subject, t.owner, t.last_message_at,
        t.messages.map((m) => [m.owner_id, m.visibility])]);
      if (headKey !== node.key) { node.key = headKey; mount(node.head, threadHead(t)); }
      const msgs = [...t.messages].sort(byTime);
      const keep = new Set(msgs.map((m) => m.id));
      for (const [id, mn] of node.messages) if (!keep.has(id)) { mn.el.remove(); node.messages.delete(id); }
      msgs.forEach((m, i) => {
        let mn = node.messages.get(m.id);
        if (!mn) { mn = messageNode(m); node.messages.set(m.id, mn); }
        updateMessage(mn, m);
        const at = node.list.children[i];
        if (at !== mn.el) node.list.insertBefore(mn.el, at || null);
      });
      order.push(node.el);
    }
    for (const [id, node] of threads) if (!seen.has(id)) { node.el.remove(); threads.delete(id); }
    order.forEach((elt, i) => {
      const at = list.children[i];
      if (at !== elt) list.insertBefore(elt, at || null);
    });
    empty.hidden = data.length > 0;
  }

  return { el, update, showError: (e) => mount(errorSlot, e ? errorBox(e) : null) };
}

function formatSize(n) {
  if (!Number.isFinite(n)) return '';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${Math.round(n / 102.4) / 10} KB`;
  return `${Math.round(n / 104857.6) / 10} MB`;
}
