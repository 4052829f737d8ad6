// Chat view: session list, model picker, streaming replies, tool-call cards with their output.
// Text from the gateway is only ever set with textContent.

const $ = (id) => document.getElementById(id);
const el = (tag, cls, text) => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
};
const textOf = (content) => (Array.isArray(content) ? content.filter((b) => b.type === 'text').map((b) => b.text).join('') : '');

export function initChat(client) {
  const log = $('chat-log');
  const form = $('chat-form');
  const input = $('chat-input');
  const send = $('chat-send');
  const stop = $('chat-stop');
  const sessions = $('chat-sessions');
  const model = $('chat-model');
  const status = $('chat-status');
  let sessionKey = 'main'; // the gateway answers with the canonical key (agent:<default>:main)
  const runs = new Map(); // runId -> { bubble, cards: Map<toolCallId, card> }

  function scroll() {
    log.scrollTop = log.scrollHeight;
  }

  function bubble(role, text = '') {
    const b = el('div', `msg ${role}`);
    b.dataset.role = role;
    b.append(el('div', 'who', role === 'user' ? 'You' : 'Assistant'), el('div', 'body', text));
    log.append(b);
    scroll();
    return b;
  }

  function toolCard(name, args) {
    const card = el('details', 'tool');
    card.open = true;
    card.dataset.tool = name;
    const summary = el('summary', null, `${name} `);
    const arg = el('code', null, name === 'exec' && args?.command ? args.command : JSON.stringify(args ?? {}));
    summary.append(arg);
    const out = el('pre', 'tool-output', 'running…');
    card.append(summary, out);
    log.append(card);
    scroll();
    return card;
  }

  function toolResult(card, text, isError) {
    const out = card.querySelector('.tool-output');
    out.textContent = text;
    card.classList.toggle('error', Boolean(isError));
    card.dataset.done = 'true';
  }

  function note(text, cls = 'note') {
    log.append(el('p', cls, text));
    scroll();
  }

  function setBusy(busy) {
    send.disabled = busy;
    stop.hidden = !busy;
    status.textContent = busy ? 'thinking…' : '';
  }

  function renderHistory(messages) {
    log.replaceChildren();
    const cards = new Map();
    for (const m of messages) {
      if (m.role === 'user') bubble('user', textOf(m.content));
      else if (m.role === 'assistant') {
        const text = textOf(m.content);
        if (text) bubble('assistant', text).classList.toggle('error', m.stopReason === 'error');
        for (const b of m.content) if (b.type === 'toolCall') cards.set(b.id, toolCard(b.name, b.arguments));
      } else if (m.role === 'toolResult') {
        const card = cards.get(m.toolCallId);
        if (card) toolResult(card, textOf(m.content), m.isError);
      } else if (m.role === 'event') note(m.kind === 'aborted' ? 'stopped' : `error: ${m.error ?? 'run failed'}`, m.kind === 'aborted' ? 'note' : 'note error');
    }
  }

  async function loadHistory() {
    try {
      const h = await client.request('chat.history', { sessionKey, limit: 500 });
      sessionKey = h.sessionKey;
      renderHistory(h.messages ?? []);
      setBusy((h.activeRuns ?? []).length > 0);
    } catch (err) {
      note(`chat.history failed: ${err.message}`, 'note error');
    }
  }

  async function loadSessions() {
    try {
      const res = await client.request('sessions.list', { limit: 50 });
      const items = (res.sessions ?? []).map((s) => {
        const li = el('li');
        const b = el('button', s.key === sessionKey ? 'session current' : 'session', s.title || s.key);
        b.type = 'button';
        b.title = s.key;
        b.dataset.key = s.key;
        b.addEventListener('click', () => select(s.key));
        li.append(b);
        return li;
      });
      sessions.replaceChildren(...items);
    } catch {
      sessions.replaceChildren();
    }
  }

  async function loadModels() {
    try {
      const res = await client.request('models.list');
      const keep = model.value;
      const opts = [el('option', null, `default${res.defaults?.primary ? ` (${res.defaults.primary})` : ''}`)];
      opts[0].value = '';
      for (const m of res.models ?? []) {
        const o = el('option', null, `${m.name} — ${m.ref}${m.available ? '' : ' (no key)'}`);
        o.value = m.ref;
        opts.push(o);
      }
      model.replaceChildren(...opts);
      model.value = keep;
    } catch {
      // models.list needs operator.read; without it the picker stays at the default
    }
  }

  function select(key) {
    sessionKey = key;
    runs.clear();
    loadHistory();
    loadSessions();
  }

  // A bare key ("ui-…") becomes agent:<default>:ui-… on the gateway.
  const mine = (key) => key === sessionKey || (!sessionKey.startsWith('agent:') && typeof key === 'string' && key.endsWith(`:${sessionKey}`));

  function run(runId) {
    let r = runs.get(runId);
    if (!r) runs.set(runId, (r = { bubble: null, cards: new Map() }));
    return r;
  }

  client.addEventListener('message', (ev) => {
    const { event, payload: p } = ev.detail;
    if ((event !== 'chat' && event !== 'agent') || !p || !mine(p.sessionKey)) return;
    const r = run(p.runId);
    if (event === 'agent') {
      if (p.stream !== 'tool') return;
      const d = p.data ?? {};
      if (d.phase === 'start') {
        r.bubble = null; // text after a tool call starts a new bubble
        r.cards.set(d.toolCallId, toolCard(d.name, d.args));
      } else if (d.phase === 'result') {
        const card = r.cards.get(d.toolCallId);
        if (card) toolResult(card, d.result ?? '', d.isError);
      }
      return;
    }
    if (p.state === 'delta') {
      r.bubble ??= bubble('assistant');
      r.bubble.querySelector('.body').textContent += p.delta ?? '';
      r.bubble.dataset.streaming = 'true';
      scroll();
      return;
    }
    if (r.bubble) delete r.bubble.dataset.streaming;
    if (p.state === 'final') {
      const text = textOf(p.message?.content);
      if (text) {
        r.bubble ??= bubble('assistant');
        r.bubble.querySelector('.body').textContent = text;
        r.bubble.dataset.final = 'true';
      }
    } else if (p.state === 'aborted') note('stopped');
    else if (p.state === 'error') note(`error: ${p.errorMessage ?? 'run failed'}`, 'note error');
    runs.delete(p.runId);
    if (runs.size === 0) setBusy(false);
    loadSessions();
  });

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = '';
    bubble('user', text);
    setBusy(true);
    try {
      const params = { sessionKey, message: text, idempotencyKey: crypto.randomUUID() };
      if (model.value) params.model = model.value;
      const res = await client.request('chat.send', params);
      run(res.runId);
      if (sessionKey !== res.sessionKey) sessionKey = res.sessionKey;
    } catch (err) {
      note(`send failed: ${err.message}`, 'note error');
      setBusy(false);
    }
  });

  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey) {
      ev.preventDefault();
      form.requestSubmit();
    }
  });

  stop.addEventListener('click', () => client.request('chat.abort', { sessionKey }).catch(() => {}));
  $('chat-new').addEventListener('click', () => {
    sessionKey = `ui-${Date.now().toString(36)}`;
    runs.clear();
    log.replaceChildren();
    setBusy(false);
    loadSessions();
    input.focus();
  });

  return {
    /** After every (re)connect: history, sessions and models from the gateway. */
    load() {
      loadHistory();
      loadSessions();
      loadModels();
    },
  };
}
