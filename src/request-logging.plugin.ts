/**
 * One debug line per GraphQL request: request id, operation name, duration and error codes. Never the
 * variables or the query text (either may carry a password or client secret). Unexpected errors (the
 * ones clients see as INTERNAL_SERVER_ERROR) are logged at error level with their cause.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLContext } from './context.js';
import type { Logger } from './logger.js';
import { unexpectedCause } from './format-error.js';

export function requestLoggingPlugin(logger: Logger): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart({ contextValue }) {
      const started = process.hrtime.bigint();
      return {
        async didEncounterErrors({ errors }) {
          for (const error of errors) {
            const cause = unexpectedCause(error);
            if (cause) {
              logger.error(
                { requestId: contextValue.request.requestId, path: error.path, err: cause },
                'unexpected error',
              );
            }
          }
        },
        async willSendResponse({ response, operationName, operation }) {
          // The formatted errors: their codes are the ones the client sees.
          const sent = response.body.kind === 'single' ? (response.body.singleResult.errors ?? []) : [];
          const codes = [...new Set(sent.map((error) => String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR')))];
          logger.debug(
            {
              requestId: contextValue.request.requestId,
              actor: contextValue.request.actor,
              operationName: operationName ?? null,
              operationType: operation?.operation ?? null,
              status: response.http.status ?? 200,
              durationMs: Math.round(Number(process.hrtime.bigint() - started) / 1e6),
              ...(codes.length > 0 ? { errorCodes: codes } : {}),
            },
            'graphql request',
          );
        },
      };
    },
  };
}
