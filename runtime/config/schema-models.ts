// `models.*` (providers and their model catalogs) and `auth.*` (credential profiles), in upstream's
// shape so existing configs keep working. Keys we do not act on are accepted as-is.
import { array, boolean, integer, object, oneOf, opaque, record, secret, string, union } from './schema-dsl.js';

const secretRef = object({ source: oneOf('env', 'file', 'exec'), provider: string(), id: string({ minLength: 1 }) });
const secretInput = () => secret(union(string(), secretRef));

export const WIRE_APIS = ['openai-completions', 'anthropic-messages', 'openai-responses', 'google-generative-ai', 'bedrock-converse-stream'] as const;

const modelEntry = object({
  id: string({ minLength: 1 }),
  name: string(),
  api: oneOf(...WIRE_APIS),
  maxTokens: integer(1),
  contextWindow: integer(1),
  reasoning: boolean(),
  input: array(string()),
  cost: opaque(),
  headers: record(string()),
  compat: opaque(),
});

export const providerSchema = object({
  baseUrl: string({ pattern: /^https?:\/\//, patternHint: 'an http:// or https:// URL' }),
  apiKey: secretInput(),
  api: oneOf(...WIRE_APIS),
  auth: opaque(),
  authHeader: boolean(),
  headers: record(string()),
  models: array(modelEntry),
});

export const modelsSchema = object({
  mode: oneOf('merge', 'replace'),
  providers: record(providerSchema),
  catalogRefresh: opaque(),
  bedrockDiscovery: opaque(),
});

export const authSchema = object({
  profiles: record(
    object({
      provider: string({ minLength: 1 }),
      mode: oneOf('api_key', 'oauth', 'token'),
      email: string(),
      /** Our addition: the key itself (a literal, ${ENV} or a SecretRef); upstream keeps it in auth-profiles.json. */
      apiKey: secretInput(),
    }),
  ),
  order: record(array(string())),
  cooldowns: opaque(),
});
