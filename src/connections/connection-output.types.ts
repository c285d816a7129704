/**
 * GraphQL output types of connections. They are filled from views (connection.model.ts), never from
 * entities, so no sealed secret can reach a field.
 */
import { Field, ID, Int, InterfaceType, ObjectType, createUnionType } from 'type-graphql';
import { DateTimeResolver, EmailAddressResolver } from 'graphql-scalars';
import { ClientAuthType, ConnectionType, TestStage, TlsMode } from './graphql-enums.js';
import type { AuthView, ConnectionView } from './connection.model.js';

@ObjectType({ description: 'What the API shows of a stored secret. The secret itself is write-only.' })
export class SecretInfo {
  @Field()
  isSet: boolean;

  @Field(() => String, {
    nullable: true,
    description: 'The last 4 characters ("…x9Qa"), only for secrets of 16 or more characters.',
  })
  hint: string | null;

  @Field(() => DateTimeResolver, { nullable: true })
  updatedAt: Date | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'When the secret expires, as entered by an admin.' })
  expiresAt: Date | null;
}

@ObjectType({ description: 'SMTP AUTH with a username and password.' })
export class BasicAuth {
  @Field()
  username: string;

  @Field(() => SecretInfo)
  password: SecretInfo;
}

@ObjectType({ description: 'OAuth2 client credentials (Microsoft 365 / Entra ID); the token is sent as XOAUTH2.' })
export class OAuth2ClientCredentials {
  @Field({ description: 'The mailbox to send as (the XOAUTH2 user).' })
  username: string;

  @Field()
  clientId: string;

  @Field(() => String, { nullable: true, description: 'Derived from tokenUrl for Microsoft endpoints.' })
  tenantId: string | null;

  @Field()
  tokenUrl: string;

  @Field()
  scope: string;

  @Field(() => ClientAuthType)
  clientAuthType: ClientAuthType;

  @Field(() => SecretInfo)
  clientSecret: SecretInfo;
}

export const AuthMethod = createUnionType({
  name: 'AuthMethod',
  types: () => [BasicAuth, OAuth2ClientCredentials] as const,
  // Resolved on the stored discriminator, never on constructor names.
  resolveType: (value) => {
    // Values are AuthViews (connection.model.ts); their `kind` is the stored discriminator.
    const auth = value as unknown as AuthView;
    switch (auth.kind) {
      case 'basic':
        return BasicAuth;
      case 'oauth2ClientCredentials':
        return OAuth2ClientCredentials;
      default: {
        const never: never = auth;
        throw new Error(`unknown auth kind ${JSON.stringify(never)}`);
      }
    }
  },
});

@ObjectType({ description: 'The outcome of a test email or dry run. A failure is a result, not an error.' })
export class TestEmailResult {
  @Field()
  ok: boolean;

  @Field(() => TestStage)
  stage: TestStage;

  @Field(() => Int)
  durationMs: number;

  @Field(() => String, { nullable: true })
  messageId: string | null;

  @Field(() => Int, { nullable: true, description: 'e.g. 535' })
  smtpCode: number | null;

  @Field(() => String, { nullable: true, description: 'e.g. "5.7.139"' })
  enhancedCode: string | null;

  @Field(() => String, { nullable: true, description: "The server's words, secrets masked." })
  serverResponse: string | null;

  @Field(() => String, { nullable: true, description: 'e.g. "AADSTS7000215", "ECONNREFUSED"' })
  errorCode: string | null;

  @Field(() => String, { nullable: true, description: 'What to do next, in plain words.' })
  hint: string | null;

  @Field(() => [String], { description: 'The SMTP/token conversation, one line each, every credential masked.' })
  transcript: string[];

  @Field(() => DateTimeResolver)
  testedAt: Date;
}

@InterfaceType('Connection', {
  resolveType: (value: ConnectionView) => {
    switch (value.type) {
      case ConnectionType.SMTP:
        return 'SmtpConnection';
      default: {
        const never: never = value.type;
        throw new Error(`unknown connection type ${String(never)}`);
      }
    }
  },
})
export abstract class Connection {
  @Field(() => ID)
  id: string;

  @Field(() => ConnectionType)
  type: ConnectionType;

  @Field()
  name: string;

  @Field(() => String, { nullable: true })
  description: string | null;

  @Field({ description: 'True for the connection that defaultConnection(type) returns.' })
  isDefault: boolean;

  @Field(() => Int, { description: 'Optimistic-concurrency counter, +1 on every change.' })
  version: number;

  @Field(() => DateTimeResolver)
  createdAt: Date;

  @Field(() => DateTimeResolver)
  updatedAt: Date;
}

@ObjectType({ implements: Connection, description: 'An outgoing SMTP server and how to authenticate to it.' })
export class SmtpConnection extends Connection {
  @Field()
  host: string;

  @Field(() => Int)
  port: number;

  @Field({ description: '"host:port", e.g. "smtp.office365.com:587".' })
  url: string;

  @Field(() => TlsMode)
  tls: TlsMode;

  @Field(() => String, { nullable: true, description: 'PEM of a private CA trusted for this server.' })
  caCertificate: string | null;

  @Field(() => EmailAddressResolver)
  fromAddress: string;

  @Field(() => String, { nullable: true })
  fromDisplayName: string | null;

  @Field(() => AuthMethod)
  auth: AuthView;

  @Field(() => TestEmailResult, { nullable: true, description: 'The most recent sendTestEmail outcome.' })
  lastTest: TestEmailResult | null;
}

@ObjectType()
export class PageInfo {
  @Field()
  hasNextPage: boolean;

  @Field(() => String, { nullable: true })
  endCursor: string | null;
}

@ObjectType()
export class ConnectionList {
  @Field(() => [Connection])
  nodes: ConnectionView[];

  @Field(() => Int, { description: 'Every connection matching the filter, across all pages.' })
  totalCount: number;

  @Field(() => PageInfo)
  pageInfo: PageInfo;
}
