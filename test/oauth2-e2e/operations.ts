/** The GraphQL operations these tests send, as a client would. */
export const CONNECTION_FIELDS = `
  id name version
  ... on SmtpConnection {
    url tls fromAddress
    auth {
      __typename
      ... on BasicAuth { username password { isSet hint updatedAt expiresAt } }
      ... on OAuth2ClientCredentials {
        username clientId tenantId tokenUrl scope clientAuthType
        clientSecret { isSet hint updatedAt expiresAt }
      }
    }
    lastTest { ok stage errorCode hint }
  }
`;

export const RESULT_FIELDS = `ok stage durationMs messageId smtpCode enhancedCode serverResponse errorCode hint transcript testedAt`;

export const CREATE = `mutation CreateConnection($input: CreateConnectionInput!) {
  createConnection(input: $input) { ${CONNECTION_FIELDS} }
}`;

export const UPDATE = `mutation UpdateConnection($id: ID!, $input: UpdateConnectionInput!) {
  updateConnection(id: $id, input: $input) { ${CONNECTION_FIELDS} }
}`;

export const ROTATE = `mutation RotateSecret($id: ID!, $input: RotateSecretInput!) {
  rotateSecret(id: $id, input: $input) { ${CONNECTION_FIELDS} }
}`;

export const SEND = `mutation SendTestEmail($id: ID!, $to: EmailAddress!, $dryRun: Boolean) {
  sendTestEmail(id: $id, to: $to, dryRun: $dryRun) { ${RESULT_FIELDS} }
}`;

export const GET = `query Connection($id: ID!) { connection(id: $id) { ${CONNECTION_FIELDS} } }`;

export const EXPIRING = `query ExpiringSecrets($withinDays: Int) {
  expiringSecrets(withinDays: $withinDays) { ${CONNECTION_FIELDS} }
}`;
