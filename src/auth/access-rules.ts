/**
 * THE access table: every root field and the lowest role that may call it. A field missing here is denied
 * to everyone (authorize.ts), and test/auth/access-matrix.test.ts fails until it gets a rule.
 */
import { Role } from './role.js';

export const ACCESS_RULES: Readonly<Record<string, Role>> = {
  // Reads: every role.
  'Query.connection': Role.VIEWER,
  'Query.connectionByName': Role.VIEWER,
  'Query.connections': Role.VIEWER,
  'Query.defaultConnection': Role.VIEWER,
  'Query.expiringSecrets': Role.VIEWER,
  'Query.exportConnection': Role.VIEWER,
  'Query.exportConnections': Role.VIEWER,
  'Query.connectionHistory': Role.VIEWER,
  // Who can do what, and what they did: admins only.
  'Query.apiKeys': Role.ADMIN,
  'Query.auditEvents': Role.ADMIN,

  // Operating existing connections.
  'Mutation.sendTestEmail': Role.OPERATOR,
  'Mutation.testConnectionSettings': Role.OPERATOR,
  'Mutation.rotateSecret': Role.OPERATOR,

  // Changing configuration and access.
  'Mutation.createConnection': Role.ADMIN,
  'Mutation.updateConnection': Role.ADMIN,
  'Mutation.setDefaultConnection': Role.ADMIN,
  'Mutation.deleteConnection': Role.ADMIN,
  'Mutation.importConnection': Role.ADMIN,
  'Mutation.importConnections': Role.ADMIN,
  'Mutation.createApiKey': Role.ADMIN,
  'Mutation.revokeApiKey': Role.ADMIN,
};
