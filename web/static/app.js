// The app shell: boots the session, draws the navigation, and routes URLs (history API) to the page
// modules under pages/. Each page exports render(ctx); ctx.onCleanup registers what to stop (timers)
// when the user leaves the page, and ctx.alive() tells late async work whether to still draw.
import { del, loadMe, setCsrfToken, setUnauthorizedHandler } from './api.js';
import { h, mount } from './dom.js';

const ROUTES = [
  { path: /^\/login$/, page: 'login', bare: true },
  { path: /^\/projects$/, page: 'projects', nav: 'projects' },
  { path: /^\/projects\/([^/]+)$/, page: 'pipeline', nav: 'projects', params: ['id'] },
  { path: /^\/candidates\/([^/]+)$/, page: 'candidate', nav: 'projects', params: ['member_id'] },
  { path: /^\/settings\/company$/, page: 'settings_company', nav: 'settings-company' },
  { path: /^\/settings\/email$/, page: 'settings_email', nav: 'settings-email' },
  { path: /^\/troubleshooting$/, page: 'troubleshooting', nav: 'troubleshooting' },
  { path: /^\/it-admin$/, page: 'it_admin', nav: 'it-admin' },
];

const state = { me: null, cleanups: [], generation: 0, shell: null };
const app = document.getElementById('app');

export function navigate(url, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  route();
}

// Called by the login page once signed in.
export function signedIn(me) {
  state.me = me;
  state.shell = null;
}

function goLogin() {
  state.me = null;
  state.shell = null;
  setCsrfToken(null);
  const here = location.pathname + location.search;
  const next = here.startsWith('/login') || here === '/' ? '' : `?next=${encodeURIComponent(here)}`;
  navigate(`/login${next}`, { replace: true });
}

async function logout() {
  try {
    await del('/api/session', { quiet401: true });
  } catch (e) {
    // Signed out already, or the server is gone: either way the session is over for this tab.
  }
  state.me = null;
  state.shell = null;
  setCsrfToken(null);
  navigate('/login', { replace: true });
}

function navLink(href, testid, label, key) {
  return h('a', { href, testid, class: 'nav-link', data: { nav: key } }, label);
}

function buildShell(me) {
  const isAdmin = me.role === 'admin';
  const main = h('main', { class: 'main', id: 'main', tabindex: '-1' });
  const nav = h('nav', { class: 'nav', 'aria-label': 'Main' },
    navLink('/projects', 'nav-projects', 'Projects', 'projects'),
    h('div', { class: 'nav-section' }, 'Settings'),
    isAdmin ? navLink('/settings/company', 'nav-settings-company', 'Company settings', 'settings-company') : null,
    navLink('/settings/email', 'nav-settings-email', 'Email & calendar', 'settings-email'),
    h('div', { class: 'nav-section' }, 'Help'),
    navLink('/troubleshooting', 'nav-troubleshooting', 'Troubleshooting', 'troubleshooting'),
    navLink('/it-admin', 'nav-it-admin', 'For IT admins', 'it-admin'));
  const aside = h('aside', { class: 'sidebar' },
    h('a', { href: '/projects', class: 'brand' }, h('span', { class: 'brand-mark' }, 'H'), 'HireSync'),
    nav,
    h('div', { class: 'sidebar-foot' },
      h('div', { class: 'user' },
        h('div', { class: 'avatar', 'aria-hidden': 'true' }, initials(me.name || me.email)),
        h('div', { class: 'user-text' },
          h('div', { class: 'user-name', testid: 'nav-user' }, me.name || me.email),
          h('div', { class: 'user-org muted' }, me.contract ? me.contract.name : ''))),
      h('button', { class: 'btn btn-ghost btn-small', testid: 'nav-logout', onclick: logout }, 'Sign out')));
  const root = h('div', { class: 'shell' }, aside, main);
  return { root, main, nav };
}

function initials(name) {
  return name.split(/[\s@.]+/).filter(Boolean).slice(0, 2).map((w) => w[0].toUpperCase()).join('');
}

function match(pathname) {
  for (const r of ROUTES) {
    const m = r.path.exec(pathname);
    if (!m) continue;
    const params = {};
    (r.params || []).forEach((name, i) => { params[name] = decodeURIComponent(m[i + 1]); });
    return { ...r, params };
  }
  return null;
}

async function route() {
  state.cleanups.forEach((fn) => { try { fn(); } catch (e) { /* a page's own cleanup */ } });
  state.cleanups = [];
  const generation = ++state.generation;
  const alive = () => generation === state.generation;

  let pathname = location.pathname.replace(/\/+$/, '') || '/';
  if (pathname === '/') {
    navigate(state.me ? '/projects' : '/login', { replace: true });
    return;
  }
  const r = match(pathname);
  if (r && !r.bare && !state.me) {
    state.me = await loadMe().catch(() => null);
    if (!alive()) return;
    if (!state.me) { goLogin(); return; }
  }
  const ctx = {
    me: state.me,
    params: r ? r.params : {},
    query: new URLSearchParams(location.search),
    navigate,
    signedIn,
    alive,
    onCleanup: (fn) => state.cleanups.push(fn),
  };
  let target;
  if (r && r.bare) {
    state.shell = null;
    target = app;
  } else {
    if (!state.me) { goLogin(); return; }
    if (!state.shell) {
      state.shell = buildShell(state.me);
      mount(app, state.shell.root);
    }
    for (const a of state.shell.nav.querySelectorAll('a')) {
      if (r && a.dataset.nav === r.nav) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    target = state.shell.main;
  }
  app.classList.remove('app-loading');
  mount(target);
  ctx.root = target;
  if (!r) {
    mount(target, h('div', { class: 'empty' }, h('h1', {}, 'Page not found'),
      h('p', {}, h('a', { href: '/projects' }, 'Go to your projects'))));
    return;
  }
  try {
    const page = await import(`./pages/${r.page}.js`);
    if (!alive()) return;
    await page.render(ctx);
  } catch (e) {
    if (!alive()) return;
    mount(target, h('div', { class: 'alert alert-error', role: 'alert' },
      h('p', {}, (e && e.message) || 'This page could not be shown.'),
      e && e.remedy ? h('p', {}, e.remedy) : null));
  }
  if (alive()) document.title = `${(target.querySelector('h1') || {}).textContent || 'HireSync'} · HireSync`;
}

// Same-origin links navigate in place (history API) instead of reloading the app.
document.addEventListener('click', (event) => {
  if (event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const a = event.target.closest('a[href]');
  if (!a || a.target || a.hasAttribute('download')) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin) return;
  if (/^\/(api|oauth|webhooks|static)\//.test(url.pathname)) return;
  event.preventDefault();
  if (url.pathname + url.search !== location.pathname + location.search) navigate(url.pathname + url.search);
});

window.addEventListener('popstate', route);
setUnauthorizedHandler(goLogin);
route();
