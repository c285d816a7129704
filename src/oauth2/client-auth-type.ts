/** How client credentials reach the token endpoint (RFC 6749 §2.3.1). */
export enum ClientAuthType {
  SEND_CLIENT_CREDENTIALS_IN_BODY = 'SEND_CLIENT_CREDENTIALS_IN_BODY',
  BASIC_AUTH_HEADER = 'BASIC_AUTH_HEADER',
}
