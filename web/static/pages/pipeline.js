// A project's pipeline: each candidate with the latest message activity visible to me, and an
// expand button showing their recent messages. Refreshed every 5 s in place (expanded rows stay).
import { get } from '../api.js';
import { h, mount, pageHeader, spinner, errorBox, timeEl, person } from '../dom.js';

const REFRESH_MS = 5000;
const RECENT = 5;

export function directionLabel(direction) {
  return direction === 'outbound'
    ? h('span', { class: 'dir dir-out', title: 'Sent' }, '→ Sent')
    : h('span', { class: 'dir dir-in', title: 'Received' }, '← Received');
}

export function kindBadge(kind) {
  return h('span', { class: `badge badge-${kind === 'inmail' ? 'inmail' : 'email'}` },
    kind === 'inmail' ? 'InMail' : 'Email');
}

function activityCell(activity) {
  if (!activity) return h('span', { class: 'muted' }, 'No messages visible to you yet');
  return h('div', { class: 'activity' },
    h('div', { class: 'activity-meta' }, kindBadge(activity.kind), directionLabel(activity.direction),
      timeEl(activity.time, { class: 'muted' })),
    h('div', { class: 'activity-subject' }, activity.subject || '(no subject)'));
}

export async function render(ctx) {
  const id = ctx.params.id;
  mount(ctx.root, pageHeader('Pipeline'), spinner());
  let data;
  try {
    data = await get(`/api/projects/${encodeURIComponent(id)}/pipeline`);
  } catch (e) {
    if (ctx.alive()) mount(ctx.root, pageHeader('Pipeline'), errorBox(e));
    return;
  }
  if (!ctx.alive()) return;

  const rows = new Map(); // member_id -> {tbody, cell, recent, expanded}
  const table = h('table', { class: 'table pipeline', testid: 'pipeline' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Candidate'), h('th', {}, 'Last activity visible to you'),
      h('th', { class: 'col-actions' }, h('span', { class: 'sr-only' }, 'Recent messages')))));
  const empty = h('div', { class: 'empty', testid: 'pipeline-empty' }, 'No candidates in this project yet.');

  function rowFor(c) {
    const cell = h('td', { testid: 'last-activity', class: 'cell-activity' });
    const recent = h('div', { class: 'pipeline-recent', testid: 'pipeline-recent' });
    const detail = h('tr', { class: 'pipeline-detail', hidden: true }, h('td', { colspan: '3' }, recent));
    const expand = h('button', { class: 'btn btn-small btn-ghost', testid: 'pipeline-expand',
      'aria-expanded': 'false', type: 'button' }, 'Show recent');
    const row = { cell, recent, detail, expand, expanded: false, activityKey: null };
    expand.addEventListener('click', () => {
      row.expanded = !row.expanded;
      detail.hidden = !row.expanded;
      expand.setAttribute('aria-expanded', String(row.expanded));
      expand.textContent = row.expanded ? 'Hide recent' : 'Show recent';
      if (row.expanded) loadRecent(c.member_id, recent);
    });
    const link = h('a', { href: `/candidates/${encodeURIComponent(c.member_id)}`, testid: 'candidate-link',
      class: 'candidate-link' }, c.name || 'Unnamed candidate');
    row.tbody = h('tbody', { testid: 'pipeline-row', data: { memberId: c.member_id } },
      h('tr', {}, h('td', { class: 'cell-name' }, link), cell, h('td', { class: 'col-actions' }, expand)),
      detail);
    return row;
  }

  function update(d) {
    const order = [];
    for (const c of d.candidates) {
      let row = rows.get(c.member_id);
      if (!row) {
        row = rowFor(c);
        rows.set(c.member_id, row);
      }
      const key = JSON.stringify(c.last_activity);
      if (key !== row.activityKey) {
        row.activityKey = key;
        mount(row.cell, activityCell(c.last_activity));
        if (row.expanded) loadRecent(c.member_id, row.recent);
      } else {
        // Relative times move on.
        for (const t of row.cell.querySelectorAll('time')) t.replaceWith(timeEl(t.dateTime, { class: 'muted' }));
      }
      order.push(row.tbody);
    }
    const present = new Set(d.candidates.map((c) => c.member_id));
    for (const [memberId, row] of rows) {
      if (!present.has(memberId)) { row.tbody.remove(); rows.delete(memberId); }
    }
    order.forEach((tbody, i) => {
      const at = table.tBodies[i];
      if (at !== tbody) table.insertBefore(tbody, at || null);
    });
    empty.hidden = d.candidates.length > 0;
    table.hidden = d.candidates.length === 0;
  }

  const title = data.project ? data.project.name : 'Pipeline';
  mount(ctx.root,
    h('nav', { class: 'crumbs' }, h('a', { href: '/projects' }, 'Projects'), ' / ', title),
    pageHeader(title, 'Candidates, newest activity first'),
    h('div', { class: 'card card-flush' }, table, empty));
  update(data);

  const timer = setInterval(async () => {
    try {
      const fresh = await get(`/api/projects/${encodeURIComponent(id)}/pipeline`);
      if (ctx.alive()) update(fresh);
    } catch (e) {
      // Keep what is shown; the next refresh retries.
    }
  }, REFRESH_MS);
  ctx.onCleanup(() => clearInterval(timer));
}

async function loadRecent(memberId, box) {
  if (!box.firstChild) mount(box, spinner());
  try {
    const threads = await get(`/api/candidates/${encodeURIComponent(memberId)}/threads`);
    const messages = threads.flatMap((t) => t.messages.map((m) => ({ ...m, thread: t })))
      .sort((a, b) => Date.parse(b.sent_at) - Date.parse(a.sent_at))
      .slice(0, RECENT);
    if (!messages.length) {
      mount(box, h('p', { class: 'muted' }, 'No messages visible to you.'));
      return;
    }
    mount(box, h('ul', { class: 'recent-list' }, messages.map((m) => h('li', { class: 'recent-item' },
      h('div', { class: 'recent-meta' }, kindBadge(m.kind), directionLabel(m.direction),
        h('span', { class: 'recent-from' }, person(m.from)), timeEl(m.sent_at, { class: 'muted' })),
      h('a', { class: 'recent-subject', href: `/candidates/${encodeURIComponent(memberId)}` },
        m.subject || '(no subject)'),
      m.snippet ? h('p', { class: 'recent-snippet muted' }, m.snippet) : null))));
  } catch (e) {
    mount(box, errorBox(e));
  }
}
