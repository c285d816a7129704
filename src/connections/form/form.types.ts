/**
 * GraphQL shapes of the documented admin form (API.md, "Paste-in form"). The input carries only
 * length and character rules; everything the form means is checked by formToNewConnection and the
 * connection service, so an import keeps every rule createConnection keeps.
 */
import { Field, InputType, ObjectType } from 'type-graphql';
import { IsOptional, MaxLength } from 'class-validator';
import { MultilineText, NoControlCharacters, NoLineBreaks } from '../../validation/rules.js';
import { MAX_CONFIGURATION_LENGTH } from './parse-configuration.js';
import type { ConnectionFormFields, ExportedConnectionForm } from './connection-form.js';

// Emptiness is left to formToNewConnection: its messages say what to enter ("Name is required, e.g. Default").
@InputType({ description: 'The documented admin form, every value exactly as pasted.' })
export class ConnectionFormInput {
  @Field({ description: '"SMTP".' })
  @MaxLength(20, { message: 'type must be at most 20 characters: enter SMTP' })
  @NoControlCharacters('type')
  type: string;

  @Field({
    description: 'Unique per type, case-insensitively; a form named "Default" becomes the default for its type.',
  })
  @MaxLength(100, { message: 'name must be at most 100 characters' })
  @NoControlCharacters('name')
  name: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(2000, { message: 'description must be at most 2000 characters' })
  @MultilineText('description')
  description?: string | null;

  @Field({ description: '"hostname:port"; IPv6 literals as "[::1]:25".' })
  @MaxLength(300, { message: 'url must be at most 300 characters' })
  @NoControlCharacters('url')
  url: string;

  @Field(() => String, { nullable: true, description: 'Basic: the SMTP user name. OAuth2: the mailbox to send as.' })
  @IsOptional()
  @MaxLength(320, { message: 'userName must be at most 320 characters' })
  @NoControlCharacters('userName')
  userName?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Write-only. Basic: the SMTP password. OAuth2: the client secret. Kept exactly as given.',
  })
  @IsOptional()
  @MaxLength(1024, { message: 'password must be at most 1024 characters' })
  @NoLineBreaks('password')
  password?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'The Configuration JSON text, e.g. { "UseSsl" : true, "FromAddress" : "reports@acme.com" }.',
  })
  @IsOptional()
  @MaxLength(MAX_CONFIGURATION_LENGTH, {
    message: `configuration must be at most ${MAX_CONFIGURATION_LENGTH} characters: paste only the JSON object`,
  })
  configuration?: string | null;
}

@ObjectType({ description: 'A connection as the documented admin form. Never carries the password or client secret.' })
export class ConnectionForm implements ExportedConnectionForm {
  @Field()
  type: string;

  @Field()
  name: string;

  @Field(() => String, { nullable: true })
  description: string | null;

  @Field()
  url: string;

  @Field(() => String, { nullable: true })
  userName: string | null;

  @Field({ description: 'The Configuration JSON text.' })
  configuration: string;
}

export function toFormFields(input: ConnectionFormInput): ConnectionFormFields {
  return {
    type: input.type,
    name: input.name,
    description: input.description ?? null,
    url: input.url,
    userName: input.userName ?? null,
    password: input.password ?? null,
    configuration: input.configuration ?? null,
  };
}
