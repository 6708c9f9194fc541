// Talking to `hsm serve`: every request carries the access token from the page's URL (GETs also
// have the cookie the server set; actions need the header).

const token = new URLSearchParams(location.search).get('token') ?? '';

export class ApiError extends Error {
  constructor(status, body) {
    super(body.error ?? `HTTP ${status}`);
    this.status = status;
    this.hint = body.hint;
  }
}

async function call(method, path, params, body) {
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(params ?? {})) if (v !== undefined && v !== '' && v !== null) url.searchParams.set(k, v);
  const res = await fetch(url, {
    method,
    headers: { 'X-HSM-Token': token, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

export const getJson = (path, params) => call('GET', path, params);
export const postJson = (path, body = {}) => call('POST', path, undefined, body);

export const sweepPath = (id) => `/api/sweeps/${encodeURIComponent(id)}`;
export const taskPath = (id, task) => `${sweepPath(id)}/tasks/${encodeURIComponent(task)}`;

// The live stream of a sweep: `onStatus({status, tasks, more})` for every change.
export function subscribe(id, onStatus) {
  const source = new EventSource(`${sweepPath(id)}/events?token=${encodeURIComponent(token)}`);
  const live = document.getElementById('live');
  source.addEventListener('status', (e) => onStatus(JSON.parse(e.data)));
  source.addEventListener('open', () => live?.classList.add('on'));
  source.addEventListener('error', () => live?.classList.remove('on'));
  return () => {
    source.close();
    live?.classList.remove('on');
  };
}
