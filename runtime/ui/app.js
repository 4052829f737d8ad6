// Control UI: credentials, connection state, health/status panels, config viewer.
// Everything is rendered with textContent; nothing from the server becomes markup.
import { GatewayClient } from '/gateway-client.js';
import { initChat } from '/chat.js';

const TOKEN_KEY = 'openclaw.gateway.token';

// localStorage can be disabled or full; then the token lives in memory only.
function storage(fn) {
  try {
    return fn(localStorage);
  } catch {
    return null;
  }
}
const store = {
  get: () => storage((s) => s.getItem(TOKEN_KEY)) || '',
  set: (token) => storage((s) => s.setItem(TOKEN_KEY, token)),
  clear: () => storage((s) => s.removeItem(TOKEN_KEY)),
};

// A link like /#token=<hex> hands us the token once; it must not stay in the URL or history.
function adoptFragmentToken() {
  if (!location.hash) return '';
  const params = new URLSearchParams(location.hash.slice(1));
  const token = params.get('token');
  if (token === null) return '';
  if (token.trim()) store.set(token.trim());
  params.delete('token');
  const rest = params.toString();
  history.replaceState(history.state, '', location.pathname + location.search + (rest ? `#${rest}` : ''));
  return token.trim();
}

adoptFragmentToken();

const client = new GatewayClient();
const chat = initChat(client);
let auth = null; // { token } | { password } while we have credentials

// Every element with an id, as ui.camelCase (conn-state -> ui.connState).
const ui = Object.fromEntries(
  Array.from(document.querySelectorAll('[id]'), (el) => [el.id.replace(/-(\w)/g, (_, c) => c.toUpperCase()), el]),
);

// ---- formatting

function duration(ms) {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  let s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  s %= 60;
  if (d) return `${d}d ${h}h`;
  if (h) return `${h}h ${m}m`;
  return m ? `${m}m ${s}s` : `${s}s`;
}

// The key says how to show a value: uptimeMs is a duration, rssBytes a size, ts a time.
function fmt(key, v) {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'number') {
    if (key.endsWith('Ms')) return duration(v);
    if (key.endsWith('Bytes')) return `${(v / 1048576).toFixed(1)} MiB`;
    if (key === 'ts') return new Date(v).toLocaleTimeString();
  }
  if (typeof v === 'string' && key.endsWith('At') && Date.parse(v)) return new Date(v).toLocaleString();
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (key === 'hash' && typeof v === 'string') return v.slice(0, 12);
  if (Array.isArray(v)) {
    if (!v.length) return 'none';
    return v.every((x) => typeof x !== 'object') ? v.join(', ') : `${v.length} entries`;
  }
  if (typeof v === 'object') {
    const e = Object.entries(v);
    return e.length ? e.map(([k, x]) => `${label(k).toLowerCase()} ${fmt(k, x)}`).join(' · ') : 'none';
  }
  return String(v);
}

const LABELS = { ok: 'OK', pid: 'PID', ts: 'Checked', configPath: 'Config file', bootId: 'Boot ID', controlUi: 'Control UI' };
function label(key) {
  const s = key.replace(/(Ms|Bytes)$/, '').replace(/([a-z\d])([A-Z])/g, '$1 $2').toLowerCase();
  return LABELS[key] ?? s.charAt(0).toUpperCase() + s.slice(1);
}

const FORMAT = {
  bind: (b) => [b?.mode, fmt('hosts', b?.hosts), b?.port != null ? `port ${b.port}` : ''].filter(Boolean).join(' · '),
  auth: (a) => fmt('mode', a?.mode),
};

// Fields in `order` first, then whatever else the server sent.
function rows(obj, order) {
  const keys = [...order.filter((k) => k in obj), ...Object.keys(obj).filter((k) => !order.includes(k))];
  return keys.map((k) => [k, label(k), (FORMAT[k] ?? ((v) => fmt(k, v)))(obj[k])]);
}

function renderList(dl, list) {
  dl.replaceChildren(
    ...list.flatMap(([key, name, value]) => {
      const dt = document.createElement('dt');
      const dd = document.createElement('dd');
      dt.textContent = name;
      dd.textContent = value;
      dd.dataset.key = key;
      return [dt, dd];
    }),
  );
}

function renderError(dl, err) {
  const dd = document.createElement('dd');
  dd.className = 'error';
  dd.textContent = err?.message ?? String(err);
  dl.replaceChildren(dd);
}

// ---- panels

const HEALTH = ['status', 'ready', 'phase', 'version', 'uptimeMs', 'ts'];
const STATUS = ['version', 'phase', 'pid', 'uptimeMs', 'bind', 'auth', 'connections', 'stateDir', 'configPath'];

let inflight = null;
function refresh() {
  const load = (method, dl, order) =>
    client.request(method).then((p) => renderList(dl, rows(p ?? {}, order)), (e) => renderError(dl, e));
  inflight ??= Promise.all([load('health', ui.healthPanel, HEALTH), load('status', ui.statusPanel, STATUS)]).finally(() => {
    inflight = null;
    ui.updatedAt.textContent = `Updated ${new Date().toLocaleTimeString()}`;
  });
  return inflight;
}

async function loadConfig() {
  ui.configReload.disabled = true;
  try {
    const p = await client.request('config.get');
    ui.configView.textContent = JSON.stringify(p?.config ?? null, null, 2);
    const meta = [p?.path, p?.exists === false ? 'file missing' : '', p?.valid === false ? 'invalid' : 'valid'];
    if (p?.hash) meta.push(`hash ${String(p.hash).slice(0, 12)}`);
    if (p?.issues?.length) meta.push(`issues: ${p.issues.join('; ')}`);
    ui.configMeta.textContent = meta.filter(Boolean).join(' · ');
  } catch (err) {
    ui.configView.textContent = '';
    ui.configMeta.textContent = `config.get failed: ${err.message}`;
  } finally {
    ui.configReload.disabled = client.state !== 'connected';
  }
}

function renderSession(h) {
  const s = { gateway: h?.server?.version, connection: h?.server?.connId, protocol: h?.protocol };
  Object.assign(s, { role: h?.auth?.role, scopes: h?.auth?.scopes, authMode: h?.snapshot?.authMode });
  renderList(ui.sessionPanel, rows(s, []));
}

// ---- connection + credentials

function showAuthCard() {
  ui.authCard.hidden = Boolean(auth) && !client.authFailed;
  ui.forgetBtn.hidden = !auth && !store.get();
  ui.forgetBtn.textContent = auth?.password != null ? 'Sign out' : 'Forget token';
}

function onState({ state, error, retryInMs }) {
  ui.connState.textContent = state;
  ui.connState.dataset.state = state;
  document.body.dataset.state = state;
  ui.connRetry.textContent = retryInMs ? `retrying in ${Math.round(retryInMs / 1000)} s` : '';
  ui.connError.textContent = error ? error.message : '';
  ui.connError.hidden = !error;
  ui.configReload.disabled = state !== 'connected';
  showAuthCard();
  const idle = !document.activeElement || document.activeElement === document.body;
  if (client.authFailed && idle) field().focus();
}

function connect(next) {
  auth = next;
  client.start(next);
}

client.addEventListener('state', (ev) => onState(ev.detail));
client.addEventListener('hello', (ev) => {
  // Only a token the gateway accepted is worth keeping.
  if (auth?.token) store.set(auth.token);
  showAuthCard();
  renderSession(ev.detail);
  refresh();
  loadConfig();
  chat.load();
});
client.addEventListener('message', (ev) => {
  if (ev.detail.event === 'tick') refresh();
});

const mode = () => ui.authForm.elements.namedItem('mode').value;
const field = () => (mode() === 'password' ? ui.passwordInput : ui.tokenInput);

function syncMode() {
  const pw = mode() === 'password';
  ui.tokenField.hidden = pw;
  ui.passwordField.hidden = !pw;
  ui.formError.hidden = true;
}

ui.authForm.addEventListener('change', (ev) => {
  if (ev.target.name === 'mode') syncMode();
});

ui.authForm.addEventListener('submit', (ev) => {
  ev.preventDefault();
  const pw = mode() === 'password';
  const input = field();
  const value = pw ? input.value : input.value.trim();
  if (!value) {
    ui.formError.textContent = pw ? 'Enter the gateway password.' : 'Paste the gateway token.';
    ui.formError.hidden = false;
    input.focus();
    return;
  }
  ui.formError.hidden = true;
  input.value = '';
  connect(pw ? { password: value } : { token: value });
});

ui.forgetBtn.addEventListener('click', () => {
  store.clear();
  auth = null;
  client.stop();
  for (const dl of [ui.healthPanel, ui.statusPanel, ui.sessionPanel]) dl.replaceChildren();
  ui.configView.textContent = '';
  ui.configMeta.textContent = '';
  ui.updatedAt.textContent = '';
  showAuthCard();
  field().focus();
});

ui.configReload.addEventListener('click', loadConfig);
// Pasting a #token= link into an open tab changes only the hash: no reload happens.
addEventListener('hashchange', () => {
  const token = adoptFragmentToken();
  if (token) connect({ token });
});

syncMode();
const saved = store.get();
if (saved) connect({ token: saved });
else onState({ state: 'disconnected', error: null, retryInMs: 0 });
