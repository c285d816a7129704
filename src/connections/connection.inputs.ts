/**
 * GraphQL inputs of connections, with their class-validator rules. Cross-field and store-dependent
 * rules (exactly one auth member, OAuth2 token URL rules, uniqueness, secret binding) live in the service.
 */
import { Field, InputType, Int } from 'type-graphql';
import { DateTimeResolver, EmailAddressResolver } from 'graphql-scalars';
import { IsEmail, IsOptional, MaxLength, Min, ValidateNested } from 'class-validator';
import { ClientAuthType, ConnectionType, TlsMode } from './graphql-enums.js';
import {
  IsHttpsUrl,
  IsSmtpUrl,
  MultilineText,
  NoControlCharacters,
  NoLineBreaks,
  SecretText,
  TextLength,
} from '../validation/rules.js';

export const DEFAULT_OAUTH2_SCOPE = 'https://outlook.office365.com/.default';

const PEM_MAX = 64 * 1024;

@InputType({ description: 'SMTP AUTH with a username and password.' })
export class BasicAuthInput {
  @Field()
  @TextLength('username', 1, 320)
  @NoControlCharacters('username')
  username: string;

  @Field({ description: 'Write-only. Kept exactly as given, spaces included.' })
  @SecretText('password')
  password: string;
}

@InputType({ description: 'OAuth2 client credentials (Microsoft 365 / Entra ID).' })
export class OAuth2ClientCredentialsInput {
  @Field({ description: 'The mailbox to send as (the XOAUTH2 user), e.g. reports@contoso.com.' })
  @TextLength('username', 1, 320)
  @NoControlCharacters('username')
  username: string;

  @Field({ description: 'The Application (client) ID of the app registration.' })
  @TextLength('clientId', 1, 200)
  @NoControlCharacters('clientId')
  clientId: string;

  @Field({ description: "Write-only. The client secret's Value (not its Secret ID)." })
  @SecretText('clientSecret')
  clientSecret: string;

  @Field({ description: 'e.g. https://login.microsoftonline.com/<tenant-id>/oauth2/v2.0/token' })
  @TextLength('tokenUrl', 1, 2048)
  @IsHttpsUrl('tokenUrl')
  tokenUrl: string;

  @Field(() => String, { nullable: true, defaultValue: DEFAULT_OAUTH2_SCOPE })
  @IsOptional()
  @TextLength('scope', 1, 1000)
  @NoControlCharacters('scope')
  scope?: string | null;

  @Field(() => ClientAuthType, { nullable: true, defaultValue: ClientAuthType.SEND_CLIENT_CREDENTIALS_IN_BODY })
  clientAuthType?: ClientAuthType | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'When the client secret expires.' })
  @IsOptional()
  secretExpiresAt?: Date | null;
}

/** Exactly one member must be set (a @oneOf input; the service also checks it, with a clear error). */
@InputType({ description: 'Exactly one member must be set.' })
export class AuthMethodInput {
  @Field(() => BasicAuthInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  basic?: BasicAuthInput | null;

  @Field(() => OAuth2ClientCredentialsInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  oauth2ClientCredentials?: OAuth2ClientCredentialsInput | null;
}

@InputType()
export class CreateConnectionInput {
  @Field(() => ConnectionType, { nullable: true, defaultValue: ConnectionType.SMTP })
  type?: ConnectionType | null;

  @Field({ description: 'Unique per type, case-insensitively. The first of a type is conventionally "Default".' })
  @TextLength('name', 1, 100)
  @NoControlCharacters('name')
  name: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(2000, { message: 'description must be at most 2000 characters' })
  @MultilineText('description')
  description?: string | null;

  @Field({ description: '"hostname:port"; IPv6 literals as "[::1]:25".' })
  @MaxLength(300, { message: 'url must be at most 300 characters' })
  @IsSmtpUrl()
  url: string;

  @Field(() => TlsMode, { nullable: true, description: 'Default: IMPLICIT_TLS on port 465, else STARTTLS.' })
  @IsOptional()
  tls?: TlsMode | null;

  @Field(() => String, { nullable: true, description: 'PEM of a private CA to trust for this server.' })
  @IsOptional()
  @MaxLength(PEM_MAX, { message: `caCertificate must be at most ${PEM_MAX} characters` })
  caCertificate?: string | null;

  @Field(() => EmailAddressResolver)
  @IsEmail({}, { message: 'fromAddress must be an email address, e.g. reports@example.com' })
  @MaxLength(320, { message: 'fromAddress must be at most 320 characters' })
  @NoLineBreaks('fromAddress')
  fromAddress: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(200, { message: 'fromDisplayName must be at most 200 characters' })
  @NoLineBreaks('fromDisplayName')
  fromDisplayName?: string | null;

  @Field(() => AuthMethodInput)
  @ValidateNested()
  auth: AuthMethodInput;

  @Field(() => Boolean, { nullable: true, defaultValue: false })
  isDefault?: boolean | null;
}

/** Every field is optional; a missing field is left as it is. */
@InputType()
export class UpdateConnectionInput {
  @Field(() => String, { nullable: true })
  @IsOptional()
  @TextLength('name', 1, 100)
  @NoControlCharacters('name')
  name?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(2000, { message: 'description must be at most 2000 characters' })
  @MultilineText('description')
  description?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(300, { message: 'url must be at most 300 characters' })
  @IsSmtpUrl()
  url?: string | null;

  @Field(() => TlsMode, { nullable: true })
  @IsOptional()
  tls?: TlsMode | null;

  @Field(() => String, { nullable: true, description: 'An empty string removes the private CA.' })
  @IsOptional()
  @MaxLength(PEM_MAX, { message: `caCertificate must be at most ${PEM_MAX} characters` })
  caCertificate?: string | null;

  @Field(() => EmailAddressResolver, { nullable: true })
  @IsOptional()
  @IsEmail({}, { message: 'fromAddress must be an email address, e.g. reports@example.com' })
  @MaxLength(320, { message: 'fromAddress must be at most 320 characters' })
  @NoLineBreaks('fromAddress')
  fromAddress?: string | null;

  @Field(() => String, { nullable: true, description: 'An empty string removes the display name.' })
  @IsOptional()
  @MaxLength(200, { message: 'fromDisplayName must be at most 200 characters' })
  @NoLineBreaks('fromDisplayName')
  fromDisplayName?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @TextLength('username', 1, 320)
  @NoControlCharacters('username')
  username?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @TextLength('clientId', 1, 200)
  @NoControlCharacters('clientId')
  clientId?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @TextLength('tokenUrl', 1, 2048)
  @IsHttpsUrl('tokenUrl')
  tokenUrl?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @TextLength('scope', 1, 1000)
  @NoControlCharacters('scope')
  scope?: string | null;

  @Field(() => ClientAuthType, { nullable: true })
  @IsOptional()
  clientAuthType?: ClientAuthType | null;

  @Field(() => AuthMethodInput, {
    nullable: true,
    description: 'Replaces the whole auth method (e.g. Basic -> OAuth2), secret included.',
  })
  @IsOptional()
  @ValidateNested()
  auth?: AuthMethodInput | null;

  @Field(() => String, {
    nullable: true,
    description:
      'The password or client secret. Required when url, tls, caCertificate or tokenUrl change: a stored secret is bound to where it is sent.',
  })
  @IsOptional()
  @SecretText('secret')
  secret?: string | null;

  @Field(() => Int, { nullable: true, description: 'When given and stale: CONFLICT, nothing written.' })
  @IsOptional()
  @Min(1, { message: "expectedVersion must be 1 or more (read it from the connection's version field)" })
  expectedVersion?: number | null;
}

@InputType()
export class RotateSecretInput {
  @Field({ description: 'The new password or client secret.' })
  @SecretText('secret')
  secret: string;

  @Field(() => DateTimeResolver, { nullable: true })
  @IsOptional()
  expiresAt?: Date | null;

  @Field(() => Boolean, {
    nullable: true,
    defaultValue: false,
    description: 'true: prove the new secret works (token / SMTP AUTH) before it replaces the old one.',
  })
  verify?: boolean | null;

  @Field(() => Int, { nullable: true })
  @IsOptional()
  @Min(1, { message: "expectedVersion must be 1 or more (read it from the connection's version field)" })
  expectedVersion?: number | null;
}

@InputType()
export class ConnectionFilter {
  @Field(() => ConnectionType, { nullable: true })
  @IsOptional()
  type?: ConnectionType | null;

  @Field(() => String, {
    nullable: true,
    description: 'Case-insensitive match on name, description, host and from address.',
  })
  @IsOptional()
  @MaxLength(200, { message: 'filter.search must be at most 200 characters' })
  @NoControlCharacters('filter.search')
  search?: string | null;
}
