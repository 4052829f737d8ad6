// Size limits and backpressure (UPSTREAM §3.6 and the size rows of §3.7): 64 KiB before auth,
// policy.maxPayload (25 MiB) after, and a slow consumer closed with 1008.
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { describe, it } from 'node:test';
import type { GatewayProcess } from '../helpers/gateway.js';
import { connected, connectParams, gateway, RawSocket } from '../helpers/ws.js';

const PREAUTH_CAP = 64 * 1024;
const MAX_PAYLOAD = 26214400;

/** A `connect` frame padded (through userAgent) to exactly `bytes` bytes. */
function connectFrameOfSize(token: string | undefined, bytes: number): string {
  const frame = (ua: string) => JSON.stringify({ type: 'req', id: 'big-connect', method: 'connect', params: connectParams(token, { userAgent: ua }) });
  const text = frame('x'.repeat(bytes - frame('').length));
  assert.equal(Buffer.byteLength(text), bytes);
  return text;
}

/** A `health` request padded (through an ignored param) to exactly `bytes` bytes. */
function healthFrameOfSize(id: string, bytes: number): string {
  const frame = (pad: string) => JSON.stringify({ type: 'req', id, method: 'health', params: { pad } });
  const text = frame('x'.repeat(bytes - frame('').length));
  assert.equal(Buffer.byteLength(text), bytes);
  return text;
}

/** Resolve once the gateway's stderr matches `pattern` (event-driven, with a deadline). */
function waitForOutput(g: GatewayProcess, pattern: RegExp, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!pattern.test(g.output())) return;
      clearTimeout(timer);
      g.proc.stderr!.off('data', check);
      resolve();
    };
    const timer = setTimeout(() => {
      g.proc.stderr!.off('data', check);
      reject(new Error(`gateway output did not match ${pattern} within ${timeoutMs} ms:\n${g.output()}`));
    }, timeoutMs);
    g.proc.stderr!.on('data', check);
    check();
  });
}

describe('ws size limits and backpressure', { concurrency: true }, () => {
  it('before auth a frame of exactly 64 KiB is accepted, one byte more closes 1009 unanswered', async (t) => {
    const g = await gateway(t);
    const fits = await RawSocket.open(g.wsUrl);
    await fits.waitEvent('connect.challenge');
    fits.send(connectFrameOfSize(g.token, PREAUTH_CAP));
    const res = await fits.response('big-connect');
    assert.equal(res.ok, true, JSON.stringify(res.error));
    fits.terminate();

    const over = await RawSocket.open(g.wsUrl);
    await over.waitEvent('connect.challenge');
    over.send(connectFrameOfSize(g.token, PREAUTH_CAP + 1));
    const closed = await over.waitClose();
    assert.equal(closed.code, 1009);
    assert.deepEqual(over.frames.map((f) => f.event ?? f.type), ['connect.challenge'], 'no response frame');
  });

  // The cap is judged from the frame header (the exact-boundary test above shows where it bites);
  // no wall-clock bound here, it would only measure how busy the machine is.
  it('a 10 MB frame before auth closes 1009 with no answer', async (t) => {
    const g = await gateway(t);
    const sock = await RawSocket.open(g.wsUrl);
    await sock.waitEvent('connect.challenge');
    sock.send(connectFrameOfSize(g.token, 10_000_000));
    const closed = await sock.waitClose();
    assert.equal(closed.code, 1009);
    assert.equal(sock.frames.length, 1, 'only the challenge');
  });

  it('after auth a 10 MB frame is processed normally and the socket is reusable', async (t) => {
    const g = await gateway(t);
    const { sock } = await connected(g.wsUrl, g.token);
    sock.send(healthFrameOfSize('ten-mb', 10_000_000));
    const res = await sock.response('ten-mb', 10_000);
    assert.equal(res.ok, true);
    assert.equal(res.payload.status, 'live');
    assert.equal((await sock.request('status')).ok, true, 'reusable');
    sock.terminate();
  });

  it('after auth a frame of exactly policy.maxPayload is processed; one byte more closes 1009 unanswered', async (t) => {
    const g = await gateway(t);
    const { sock, hello } = await connected(g.wsUrl, g.token);
    assert.equal(hello.policy.maxPayload, MAX_PAYLOAD);
    sock.send(healthFrameOfSize('at-cap', MAX_PAYLOAD));
    assert.equal((await sock.response('at-cap', 15_000)).ok, true);

    const mark = sock.frames.length;
    sock.send(healthFrameOfSize('over-cap', MAX_PAYLOAD + 1));
    const closed = await sock.waitClose(15_000);
    assert.equal(closed.code, 1009);
    assert.deepEqual(sock.nonTickFrames.slice(mark), [], 'no response to the oversized frame');
  });

  it('a slow consumer whose unread data passes maxBufferedBytes is closed with 1008', async (t) => {
    const g = await gateway(t);
    const { sock, hello } = await connected(g.wsUrl, g.token);
    assert.equal(hello.policy.maxBufferedBytes, 52428800);
    // Stop reading: the gateway's writes pile up in its send buffer. Each request below makes it
    // answer ~24 MB (the unknown-method error echoes the name), so the third answer passes 50 MiB.
    const tcp = (sock.ws as unknown as { _socket: Socket })._socket;
    tcp.pause();
    const name = 'm'.repeat(24_000_000);
    const ids = ['a', 'b', 'c', 'd', 'e'];
    for (const id of ids) sock.send({ type: 'req', id, method: name });
    await waitForOutput(g, /warn ws\.slow_consumer conn=\S+ buffered=\d+/);
    const buffered = Number(/ws\.slow_consumer conn=\S+ buffered=(\d+)/.exec(g.output())![1]);
    assert.ok(buffered > 52428800, `closed at ${buffered} buffered bytes`);
    tcp.resume();
    const closed = await sock.waitClose(15_000);
    assert.deepEqual([closed.code, closed.reason], [1008, 'slow consumer: too much unread data']);
    const answered = sock.frames.filter((f) => f.type === 'res' && ids.includes(f.id!)).length;
    assert.ok(answered >= 1 && answered < ids.length, `${answered} of ${ids.length} answers were delivered before the close`);
  });
});
