// The one way the UI talks to the server: same-origin fetch with the session cookie, JSON in and
// out, the CSRF token on every write, and errors as ApiError {status, code, message, remedy}.

let csrfToken = null;
let onUnauthorized = () => window.location.assign('/login');

export class ApiError extends Error {
  constructor(status, code, message, remedy, body) {
    super(message || 'Something went wrong.');
    this.status = status;
    this.code = code || 'error';
    this.remedy = remedy || '';
    this.body = body || null; // the whole answer, for fields beside "error"
  }
}

export function setCsrfToken(token) {
  csrfToken = token || null;
}

// Called on a 401 from any request except the sign-in itself.
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

const WRITES = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);

// api('GET', '/api/me') -> parsed JSON (null for an empty body). Throws ApiError.
export async function api(method, path, body, { quiet401 = false } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (WRITES.has(method) && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, 'network', 'HireSync could not be reached.',
      'Check your network connection, then try again.');
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch (e) {
      data = null;
    }
  }
  if (response.ok) return data;
  const err = data && data.error ? data.error : {};
  if (response.status === 401 && !quiet401) onUnauthorized();
  throw new ApiError(response.status, err.code || `http_${response.status}`,
    err.message || `The server answered ${response.status}.`, err.remedy, data);
}

export const get = (path, opts) => api('GET', path, undefined, opts);
export const post = (path, body, opts) => api('POST', path, body === undefined ? {} : body, opts);
export const patch = (path, body, opts) => api('PATCH', path, body, opts);
export const del = (path, opts) => api('DELETE', path, undefined, opts);

// The signed-in user ({id, email, name, role, contract, csrf_token}), or null without a session.
export async function loadMe() {
  try {
    const me = await get('/api/me', { quiet401: true });
    setCsrfToken(me.csrf_token);
    return me;
  } catch (e) {
    if (e.status === 401) return null;
    throw e;
  }
}

let problemsCache = null;
// The problems table {code: {message, remedy}} (cached for the page's life).
export async function problems() {
  if (!problemsCache) problemsCache = get('/api/problems').catch((e) => { problemsCache = null; throw e; });
  return problemsCache;
}
