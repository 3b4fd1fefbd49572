// Sign in with email and password: POST /api/session sets the HttpOnly session cookie.
import { loadMe, post, setCsrfToken } from '../api.js';
import { h, mount } from '../dom.js';

export async function render(ctx) {
  // Already signed in (a bookmark of /login): go on.
  const existing = await loadMe().catch(() => null);
  if (!ctx.alive()) return;
  if (existing) {
    ctx.signedIn(existing);
    ctx.navigate(safeNext(ctx.query.get('next')), { replace: true });
    return;
  }

  const email = h('input', { id: 'login-email', testid: 'login-email', type: 'email', name: 'email',
    autocomplete: 'username', required: true, autofocus: true });
  const password = h('input', { id: 'login-password', testid: 'login-password', type: 'password',
    name: 'password', autocomplete: 'current-password', required: true });
  const error = h('div', { class: 'login-error', testid: 'login-error', role: 'alert', 'aria-live': 'polite' });
  const submit = h('button', { class: 'btn btn-primary btn-block', type: 'submit', testid: 'login-submit' },
    'Sign in');

  const form = h('form', { class: 'login-form', novalidate: true },
    h('label', { for: 'login-email' }, 'Work email'), email,
    h('label', { for: 'login-password' }, 'Password'), password,
    error, submit);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    if (!email.value.trim() || !password.value) {
      error.textContent = 'Enter your email and password.';
      return;
    }
    submit.disabled = true;
    submit.textContent = 'Signing in…';
    try {
      const session = await post('/api/session', { email: email.value.trim(), password: password.value },
        { quiet401: true });
      setCsrfToken(session.csrf_token);
      const me = await loadMe();
      if (!me) throw new Error('The session could not be started. Allow cookies for this site and try again.');
      ctx.signedIn(me);
      ctx.navigate(safeNext(ctx.query.get('next')), { replace: true });
    } catch (e) {
      error.textContent = e.status === 401 || e.status === 400
        ? 'That email and password do not match an account.'
        : (e.message || 'Signing in failed.');
      submit.disabled = false;
      submit.textContent = 'Sign in';
      password.select();
    }
  });

  mount(ctx.root, h('div', { class: 'login-page' },
    h('div', { class: 'login-card' },
      h('div', { class: 'brand brand-large' }, h('span', { class: 'brand-mark' }, 'H'), 'HireSync'),
      h('h1', {}, 'Sign in'),
      h('p', { class: 'muted' }, 'Your candidate conversations, synced from your work email.'),
      form)));
  email.focus();
}

// Only paths of this app are followed after sign-in (no open redirect).
function safeNext(next) {
  if (next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/login')) return next;
  return '/projects';
}
