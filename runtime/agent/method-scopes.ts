// The agent methods and the scopes they need, without their implementation: the gateway advertises
// and scope-checks them at connect time but loads runtime/agent only on the first call.
export const AGENT_METHOD_SCOPES: Record<string, readonly string[]> = {
  'chat.send': ['operator.write'],
  'chat.history': ['operator.read'],
  'chat.abort': ['operator.write'],
  'sessions.list': ['operator.read'],
  'sessions.get': ['operator.read'],
  'agents.list': ['operator.read'],
  'models.list': ['operator.read'],
};
