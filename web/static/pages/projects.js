// The caller's projects: one card per project, linking to its pipeline.
import { get } from '../api.js';
import { h, mount, pageHeader, spinner, errorBox } from '../dom.js';

export async function render(ctx) {
  mount(ctx.root, pageHeader('Projects', 'Your company\'s hiring projects'), spinner());
  let projects;
  try {
    projects = await get('/api/projects');
  } catch (e) {
    if (ctx.alive()) mount(ctx.root, pageHeader('Projects'), errorBox(e));
    return;
  }
  if (!ctx.alive()) return;
  const list = projects.length
    ? h('ul', { class: 'project-grid' }, projects.map((p) => {
      const count = (p.candidates || []).length;
      return h('li', { class: 'project-card' },
        h('a', { href: `/projects/${encodeURIComponent(p.id)}`, testid: 'project-link', class: 'project-name' },
          p.name),
        h('p', { class: 'muted' }, `${count} candidate${count === 1 ? '' : 's'} in the pipeline`));
    }))
    : h('div', { class: 'empty', testid: 'projects-empty' },
      h('p', {}, 'No projects yet.'),
      h('p', { class: 'muted' }, 'Projects your company creates appear here with their candidates.'));
  mount(ctx.root, pageHeader('Projects', 'Your company\'s hiring projects'), list);
}
