// `agents.defaults.sandbox` and `agents.list[].sandbox`. Placeholder until the sandbox runtime
// lands: accepted as-is so existing configs load.
import { opaque } from './schema-dsl.js';

export const sandboxSchema = opaque();
