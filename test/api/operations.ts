/** Named GraphQL operations the API tests send, as a client would. */
export const CONNECTION_FIELDS = `
  id type name description isDefault version createdAt updatedAt
  ... on SmtpConnection {
    host port url tls caCertificate fromAddress fromDisplayName
    auth {
      __typename
      ... on BasicAuth { username password { isSet hint updatedAt expiresAt } }
      ... on OAuth2ClientCredentials {
        username clientId tenantId tokenUrl scope clientAuthType
        clientSecret { isSet hint updatedAt expiresAt }
      }
    }
    lastTest { ok stage errorCode hint testedAt }
  }
`;

export const TEST_RESULT_FIELDS = `
  ok stage durationMs messageId smtpCode enhancedCode serverResponse errorCode hint transcript testedAt
`;

export const CREATE_CONNECTION = `mutation CreateConnection($input: CreateConnectionInput!) {
  createConnection(input: $input) { ${CONNECTION_FIELDS} }
}`;

export const UPDATE_CONNECTION = `mutation UpdateConnection($id: ID!, $input: UpdateConnectionInput!) {
  updateConnection(id: $id, input: $input) { ${CONNECTION_FIELDS} }
}`;

export const ROTATE_SECRET = `mutation RotateSecret($id: ID!, $input: RotateSecretInput!) {
  rotateSecret(id: $id, input: $input) { ${CONNECTION_FIELDS} }
}`;

export const DELETE_CONNECTION = `mutation DeleteConnection($id: ID!, $expectedVersion: Int) {
  deleteConnection(id: $id, expectedVersion: $expectedVersion)
}`;

export const SET_DEFAULT = `mutation SetDefault($id: ID!) {
  setDefaultConnection(id: $id) { ${CONNECTION_FIELDS} }
}`;

export const SEND_TEST_EMAIL = `mutation SendTestEmail($id: ID!, $to: EmailAddress!, $dryRun: Boolean) {
  sendTestEmail(id: $id, to: $to, dryRun: $dryRun) { ${TEST_RESULT_FIELDS} }
}`;

export const TEST_CONNECTION_SETTINGS = `mutation TestSettings($input: CreateConnectionInput!, $to: EmailAddress!, $dryRun: Boolean) {
  testConnectionSettings(input: $input, to: $to, dryRun: $dryRun) { ${TEST_RESULT_FIELDS} }
}`;

export const CONNECTION = `query Connection($id: ID!) { connection(id: $id) { ${CONNECTION_FIELDS} } }`;

export const CONNECTION_BY_NAME = `query ConnectionByName($name: String!, $type: ConnectionType) {
  connectionByName(name: $name, type: $type) { ${CONNECTION_FIELDS} }
}`;

export const CONNECTIONS = `query Connections($filter: ConnectionFilter, $first: Int, $after: String) {
  connections(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { ${CONNECTION_FIELDS} }
  }
}`;

export const DEFAULT_CONNECTION = `query DefaultConnection($type: ConnectionType) {
  defaultConnection(type: $type) { ${CONNECTION_FIELDS} }
}`;

export const EXPIRING_SECRETS = `query ExpiringSecrets($withinDays: Int) {
  expiringSecrets(withinDays: $withinDays) { ${CONNECTION_FIELDS} }
}`;
