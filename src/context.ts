import type { RequestContext } from './request-context.js';
import type { ConnectionService } from './connections/connection.service.js';
import type { ConnectionTestService } from './connections/connection-test.service.js';

export interface Services {
  connections: ConnectionService;
  connectionTests: ConnectionTestService;
}

/** The GraphQL context of one request. */
export interface GraphQLContext {
  request: RequestContext;
  services: Services;
}
