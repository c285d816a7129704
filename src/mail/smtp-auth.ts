/** How a test authenticates to the SMTP server. Secrets stay in memory; nothing here is persisted. */
export type SmtpAuth =
  | { kind: 'basic'; username: string; password: string }
  | {
      kind: 'oauth2';
      /** The mailbox, sent as `user=` in the XOAUTH2 string. */
      username: string;
      /** May throw a TokenError; `forceRefresh` bypasses any cache. */
      accessToken: (opts: { forceRefresh: boolean }) => Promise<string>;
    };

export type SmtpAuthKind = SmtpAuth['kind'];
