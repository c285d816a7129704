import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../../context.js';
import type { ConnectionView } from '../connection.model.js';
import { Connection } from '../connection-output.types.js';
import { ConnectionFilter } from '../connection.inputs.js';
import type { ExportedConnectionForm } from './connection-form.js';
import { ConnectionForm, ConnectionFormInput, toFormFields } from './form.types.js';

// dryRun is `Boolean = false` as API.md writes it (null counts as false). Form arguments are validated in the service (validate: false here), so a batch reports `forms[17].name`
// and a form's class-validator errors come together with its Configuration errors.
@Resolver()
export class ConnectionFormResolver {
  @Query(() => ConnectionForm, { description: 'The connection as the documented admin form; never the password.' })
  exportConnection(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<ExportedConnectionForm> {
    return ctx.services.connectionForms.exportOne(ctx.request, { id });
  }

  @Query(() => [ConnectionForm], {
    description: 'Every matching connection as the documented admin form, sorted by name.',
  })
  exportConnections(
    @Ctx() ctx: GraphQLContext,
    @Arg('filter', () => ConnectionFilter, { nullable: true }) filter: ConnectionFilter | null,
  ): Promise<ExportedConnectionForm[]> {
    return ctx.services.connectionForms.exportMany(ctx.request, {
      type: filter?.type ?? null,
      search: filter?.search ?? null,
    });
  }

  @Mutation(() => Connection, {
    description: 'Creates a connection from the documented admin form. dryRun: validate and return it, store nothing.',
  })
  importConnection(
    @Ctx() ctx: GraphQLContext,
    @Arg('form', () => ConnectionFormInput, { validate: false }) form: ConnectionFormInput,
    @Arg('dryRun', () => Boolean, { nullable: true, defaultValue: false }) dryRun: boolean | null,
  ): Promise<ConnectionView> {
    return ctx.services.connectionForms.importOne(ctx.request, { form: toFormFields(form), dryRun: dryRun ?? false });
  }

  @Mutation(() => [Connection], {
    description:
      'All or nothing: one transaction; on any error nothing is stored. dryRun: validate and return them, store nothing.',
  })
  importConnections(
    @Ctx() ctx: GraphQLContext,
    @Arg('forms', () => [ConnectionFormInput], { validate: false }) forms: ConnectionFormInput[],
    @Arg('dryRun', () => Boolean, { nullable: true, defaultValue: false }) dryRun: boolean | null,
  ): Promise<ConnectionView[]> {
    return ctx.services.connectionForms.importMany(ctx.request, {
      forms: forms.map(toFormFields),
      dryRun: dryRun ?? false,
    });
  }
}
