// CommonJS dependencies loaded with require(). Importing a CommonJS package from ESM makes Node scan
// its source for export names first (cjs-module-lexer); for ws and json5 that scan alone cost about
// 30 ms and 10 MB at gateway startup. require() skips it. Types still come from the packages.
// sirv ships both kinds and is required too, so the bundle bin/openclaw runs holds no import() of a
// package: it is compiled with a V8 code cache through node:vm, where import() needs an extra hook.
import { createRequire } from 'node:module';
import type * as NodeCrypto from 'node:crypto';
import type JSON5Module from 'json5';
import type sirv from 'sirv';
import type WebSocketModule from 'ws';
import type { WebSocketServer } from 'ws';

const require = createRequire(import.meta.url);

export function loadJson5(): typeof JSON5Module {
  return require('json5') as typeof JSON5Module;
}

/** The ws module: the WebSocket class, with WebSocketServer hanging off it. */
export function loadWs(): typeof WebSocketModule & { WebSocketServer: typeof WebSocketServer } {
  return require('ws') as typeof WebSocketModule & { WebSocketServer: typeof WebSocketServer };
}

export function loadSirv(): typeof sirv {
  return require('sirv') as typeof sirv;
}

let crypto: typeof NodeCrypto | undefined;

/**
 * node:crypto, loaded on first use. Loading it takes ~2.5 ms, a tenth of what a gateway start adds to
 * a bare node server, and a start needs none of it: hashes, ids and tokens are made when first used.
 */
export function nodeCrypto(): typeof NodeCrypto {
  return (crypto ??= require('node:crypto') as typeof NodeCrypto);
}
