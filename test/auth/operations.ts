/** Access operations, as a client sends them. */
export const API_KEY_FIELDS = 'id name role createdAt lastUsedAt expiresAt revokedAt';

export const API_KEYS = `query ApiKeys { apiKeys { ${API_KEY_FIELDS} } }`;

export const CREATE_API_KEY = `mutation CreateApiKey($name: String!, $role: Role!, $expiresAt: DateTime) {
  createApiKey(name: $name, role: $role, expiresAt: $expiresAt) { token apiKey { ${API_KEY_FIELDS} } }
}`;

export const REVOKE_API_KEY = `mutation RevokeApiKey($id: ID!) { revokeApiKey(id: $id) { ${API_KEY_FIELDS} } }`;

export const CONNECTIONS = `query Connections { connections { totalCount } }`;
