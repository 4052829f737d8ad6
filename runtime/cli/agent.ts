// `openclaw agent`: send one message to an agent through the running gateway and stream the reply.
import { EXIT, UsageError } from '../../lib/errors.js';
import { parseFlags } from '../../lib/args.js';
import { GatewayClient } from '../client/client.js';
import { resolveTarget, TARGET_OPTIONS, TARGET_USAGE } from '../client/target.js';
import { printJson, type Command } from './command.js';

const USAGE = `agent --message TEXT [--agent ID] [--session KEY] [--model PROVIDER/MODEL] [--json] ${TARGET_USAGE}`;

export const command: Command = {
  name: 'agent',
  summary: 'Send a message to an agent and stream its reply',
  usage: USAGE,
  help: `The reply streams to stdout; tool calls are reported on stderr. --session picks the session
(default: the agent's main session, agent:<id>:main); --json prints the final result as JSON instead.
Ctrl-C aborts the run. Exits 1 when the run fails or is aborted.`,
  async run(argv) {
    const { values } = parseFlags(argv, { ...TARGET_OPTIONS, message: { type: 'string', short: 'm' }, agent: { type: 'string' }, session: { type: 'string' }, model: { type: 'string' }, json: { type: 'boolean' } }, USAGE, false);
    if (!values.message) throw new UsageError('--message is required', `usage: openclaw ${USAGE}`);
    const target = await resolveTarget(values);
    const client = await GatewayClient.connect({ ...target, scopes: ['operator.read', 'operator.write'] });
    try {
      let runId: string | undefined;
      const early: Array<{ event: string; payload: Record<string, unknown> }> = [];
      let finish: ((p: Record<string, unknown>) => void) | undefined;
      const done = new Promise<Record<string, unknown>>((resolve) => (finish = resolve));
      const handle = (event: string, p: Record<string, unknown>) => {
        if (event === 'agent' && p.stream === 'tool' && !values.json) {
          const d = p.data as { phase: string; name: string; args?: unknown; result?: string; isError?: boolean };
          if (d.phase === 'start') process.stderr.write(`\n[tool ${d.name}] ${JSON.stringify(d.args)}\n`);
          else process.stderr.write(`[tool ${d.name} ${d.isError ? 'failed' : 'done'}] ${String(d.result ?? '').slice(0, 2000)}\n`);
        } else if (event === 'chat') {
          if (p.state === 'delta' && !values.json) process.stdout.write(String(p.delta ?? ''));
          else if (p.state !== 'delta') finish?.(p);
        }
      };
      client.onEvent = (event, payload) => {
        const p = payload as Record<string, unknown>;
        if (event !== 'chat' && event !== 'agent') return;
        if (!runId) early.push({ event, payload: p });
        else if (p.runId === runId) handle(event, p);
      };
      const params: Record<string, unknown> = { message: values.message, idempotencyKey: `cli-${process.pid}-${Date.now()}` };
      if (values.session) params.sessionKey = values.session;
      if (values.agent) params.agentId = values.agent;
      if (values.model) params.model = values.model;
      const sent = (await client.request('chat.send', params, target.timeoutMs)) as { runId: string; sessionKey: string };
      runId = sent.runId;
      for (const e of early.splice(0)) if (e.payload.runId === runId) handle(e.event, e.payload);
      const onSigint = () => void client.request('chat.abort', { sessionKey: sent.sessionKey, runId: sent.runId }).catch(() => {});
      process.once('SIGINT', onSigint);
      const final = await done;
      process.off('SIGINT', onSigint);
      const msg = final.message as { content?: Array<{ type: string; text?: string }> } | undefined;
      const text = (msg?.content ?? []).filter((b) => b.type === 'text').map((b) => b.text).join('');
      if (values.json) printJson({ runId, sessionKey: sent.sessionKey, state: final.state, text, ...(final.errorMessage ? { error: final.errorMessage } : {}), ...(final.usage ? { usage: final.usage } : {}) });
      else if (final.state === 'final') process.stdout.write('\n');
      else process.stderr.write(`\nopenclaw: agent: run ${final.state}${final.errorMessage ? `: ${final.errorMessage}` : ''}\n`);
      return final.state === 'final' ? EXIT.OK : EXIT.FAILURE;
    } finally {
      await client.close();
    }
  },
};
