import type { RequestContext } from './request-context.js';
import type { ConnectionService } from './connections/connection.service.js';
import type { ConnectionTestService } from './connections/connection-test.service.js';
import type { ConnectionFormService } from './connections/form/form.service.js';
import type { AuditService } from './audit/audit.service.js';
import type { ApiKeyService } from './auth/api-key.service.js';

export interface Services {
  connections: ConnectionService;
  connectionTests: ConnectionTestService;
  connectionForms: ConnectionFormService;
  audit: AuditService;
  apiKeys: ApiKeyService;
}

/** The GraphQL context of one request. */
export interface GraphQLContext {
  request: RequestContext;
  services: Services;
}
