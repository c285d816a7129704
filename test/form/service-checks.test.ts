import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkNewConnection } from '../../src/connections/connection.checks.js';
import { DEFAULT_ALLOWED_TOKEN_HOSTS } from '../../src/oauth2/token-url.js';
import { TlsMode } from '../../src/mail/tls-mode.js';
import { accept, basicForm, oauth2Form } from './form-fixtures.js';

// The form only maps; the service's own checks must accept what the documented forms map to.
describe('mapped documented forms against the service checks', () => {
  it('pass checkNewConnection, Basic and OAuth2', () => {
    for (const form of [basicForm(), oauth2Form(), basicForm({ url: 'smtp.acme.com:465' })]) {
      const result = checkNewConnection(accept(form), { allowedTokenHosts: DEFAULT_ALLOWED_TOKEN_HOSTS });
      assert.ok(result.ok, JSON.stringify(result));
    }
    const implicit = checkNewConnection(accept(basicForm({ url: 'smtp.acme.com:465' })), {
      allowedTokenHosts: DEFAULT_ALLOWED_TOKEN_HOSTS,
    });
    assert.equal(implicit.ok && implicit.value.tls, TlsMode.IMPLICIT_TLS);
  });
});
