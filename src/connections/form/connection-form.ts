/**
 * The documented admin form as admins paste it, and as Postroom exports it.
 * Field names match the GraphQL `ConnectionFormInput` / `ConnectionForm` types of API.md.
 */

/** What an admin pastes in: every value exactly as typed, not yet trimmed or checked. */
export interface ConnectionFormFields {
  type: string;
  name: string;
  description: string | null;
  /** "hostname:port", IPv6 literals as "[::1]:25" */
  url: string;
  /** Basic: the SMTP user name. OAuth2: the mailbox to send as. */
  userName: string | null;
  /** Basic: the SMTP password. OAuth2: the client secret. Never exported. */
  password: string | null;
  /** The Configuration JSON text. */
  configuration: string | null;
}

/** What export writes: the same form without a password or any other secret. */
export interface ExportedConnectionForm {
  type: string;
  name: string;
  description: string | null;
  url: string;
  userName: string | null;
  configuration: string;
}
