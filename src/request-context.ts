/** Who is asking, for services and logs. Filled by the server for each request. */
export interface RequestContext {
  requestId: string;
  /** An API key's name or a JWT subject; "anonymous" until API auth is configured. */
  actor: string;
}
