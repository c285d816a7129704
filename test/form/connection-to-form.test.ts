import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  type AuthView,
  type ConnectionView,
  type NewConnection,
  type SecretInfoView,
} from '../../src/connections/connection.model.js';
import { TlsMode, defaultTlsModeForPort } from '../../src/mail/tls-mode.js';
import { ClientAuthType } from '../../src/oauth2/client-auth-type.js';
import { connectionToForm } from '../../src/connections/form/connection-to-form.js';
import { formatSmtpUrl } from '../../src/connections/smtp-url.js';

const formatHostPort = (host: string, port: number): string => formatSmtpUrl({ host, port });
import {
  CLIENT_ID,
  CLIENT_SECRET,
  TENANT_ID,
  DOCUMENTED_BASIC_CONFIGURATION,
  accept,
  assertOnlyPaths,
  basicForm,
  oauth2Form,
  refuse,
} from './form-fixtures.js';

const SECRET_INFO: SecretInfoView = {
  isSet: true,
  hint: '…3456',
  updatedAt: new Date('2025-01-01T00:00:00Z'),
  expiresAt: new Date('2026-01-01T00:00:00Z'),
};
const CA_PEM = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';

/** What the service would store and show for a NewConnection: a stand-in for create + read. */
function store(input: NewConnection): ConnectionView {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(input.url) ?? /^([^:]+):(\d+)$/.exec(input.url);
  assert.ok(m, `unparseable url ${input.url}`);
  const host = m[1];
  const port = Number(m[2]);
  const auth: AuthView =
    input.auth.kind === 'basic'
      ? { kind: 'basic', username: input.auth.username, password: SECRET_INFO }
      : {
          kind: 'oauth2ClientCredentials',
          username: input.auth.username,
          clientId: input.auth.clientId,
          tenantId: TENANT_ID,
          tokenUrl: input.auth.tokenUrl,
          scope: input.auth.scope,
          clientAuthType: input.auth.clientAuthType,
          clientSecret: SECRET_INFO,
        };
  return {
    id: '7d3c9f60-0000-4000-8000-000000000001',
    type: input.type,
    name: input.name,
    description: input.description,
    isDefault: input.isDefault,
    version: 1,
    createdAt: new Date('2025-01-01T00:00:00Z'),
    updatedAt: new Date('2025-01-02T00:00:00Z'),
    host,
    port,
    url: formatHostPort(host, port),
    tls: input.tls ?? defaultTlsModeForPort(port),
    caCertificate: input.caCertificate,
    fromAddress: input.fromAddress,
    fromDisplayName: input.fromDisplayName,
    auth,
    lastTest: null,
  };
}

/** A stored view with overrides; url follows host and port as the service keeps it. */
function viewOf(base: ConnectionView, overrides: Partial<ConnectionView>): ConnectionView {
  const view = { ...base, ...overrides };
  return { ...view, url: formatHostPort(view.host, view.port) };
}

function oauth2View(overrides: Partial<ConnectionView> = {}): ConnectionView {
  return viewOf(store(accept(oauth2Form())), overrides);
}

function basicView(overrides: Partial<ConnectionView> = {}): ConnectionView {
  return viewOf(store(accept(basicForm())), overrides);
}

/** Export, paste back with the password, store again: the settings must be equal. */
function roundTrip(view: ConnectionView, password: string): ConnectionView {
  const exported = connectionToForm(view);
  return store(accept({ ...exported, password }));
}

function assertSameSettings(actual: ConnectionView, expected: ConnectionView): void {
  const settings = ({ id: _i, version: _v, createdAt: _c, updatedAt: _u, ...rest }: ConnectionView) => rest;
  assert.deepEqual(settings(actual), settings(expected));
}

describe('connectionToForm', () => {
  it('writes the documented Basic form exactly (keys, order, no AuthType)', () => {
    const form = connectionToForm(basicView());
    assert.deepEqual(form, {
      type: 'SMTP',
      name: 'Default',
      description: 'Reports mailbox',
      url: 'smtp.outlook.com:587',
      userName: 'reports@acme.com',
      configuration: JSON.stringify(JSON.parse(DOCUMENTED_BASIC_CONFIGURATION)),
    });
    assert.deepEqual(Object.keys(JSON.parse(form.configuration)), ['UseSsl', 'FromDisplayName', 'FromAddress']);
  });

  it('writes the documented OAuth2 keys in the documented order', () => {
    const form = connectionToForm(oauth2View());
    const config = JSON.parse(form.configuration) as Record<string, unknown>;
    assert.deepEqual(config, {
      UseSsl: true,
      FromDisplayName: 'ACME Reporting',
      FromAddress: 'reports@acme.com',
      GrantType: 'ClientCredentials',
      AuthType: 'OAuth2',
      ClientID: CLIENT_ID,
      Scope: 'https://outlook.office365.com/.default',
      TokenUrl: `https://login.microsoftonline.com/${TENANT_ID}/oauth2/v2.0/token`,
      ClientAuthType: 'SendClientCredentialsInBody',
    });
    assert.deepEqual(Object.keys(config), [
      'UseSsl',
      'FromDisplayName',
      'FromAddress',
      'GrantType',
      'AuthType',
      'ClientID',
      'Scope',
      'TokenUrl',
      'ClientAuthType',
    ]);
    assert.equal(form.userName, 'reports@yourcompany.com');
  });

  it('writes SendClientCredentialsInHeader for BASIC_AUTH_HEADER', () => {
    const view = oauth2View();
    assert.equal(view.auth.kind, 'oauth2ClientCredentials');
    if (view.auth.kind !== 'oauth2ClientCredentials') return;
    const form = connectionToForm({
      ...view,
      auth: { ...view.auth, clientAuthType: ClientAuthType.BASIC_AUTH_HEADER },
    });
    assert.equal(JSON.parse(form.configuration).ClientAuthType, 'SendClientCredentialsInHeader');
  });

  it('maps tls to UseSsl, adding TlsMode only where UseSsl and the port cannot express it', () => {
    const cases: [TlsMode, number, boolean, string | undefined][] = [
      [TlsMode.IMPLICIT_TLS, 465, true, undefined],
      [TlsMode.STARTTLS, 587, true, undefined],
      [TlsMode.OPPORTUNISTIC, 25, false, undefined],
      [TlsMode.OPPORTUNISTIC, 465, false, undefined],
      [TlsMode.NONE, 25, false, 'NONE'],
      [TlsMode.IMPLICIT_TLS, 2525, true, 'IMPLICIT_TLS'],
      [TlsMode.STARTTLS, 465, true, 'STARTTLS'],
    ];
    for (const [tls, port, useSsl, tlsMode] of cases) {
      const config = JSON.parse(connectionToForm(basicView({ tls, port })).configuration) as Record<string, unknown>;
      assert.equal(config.UseSsl, useSsl, `${tls} on ${port}`);
      assert.equal(config.TlsMode, tlsMode, `${tls} on ${port}`);
    }
  });

  it('omits FromDisplayName when there is none, and adds CaCertificate when there is one', () => {
    const config = JSON.parse(
      connectionToForm(basicView({ fromDisplayName: null, caCertificate: CA_PEM })).configuration,
    );
    assert.deepEqual(Object.keys(config), ['UseSsl', 'FromAddress', 'CaCertificate']);
    assert.equal(config.CaCertificate, CA_PEM);
  });

  it('brackets IPv6 hosts', () => {
    assert.equal(formatHostPort('2001:db8::25', 587), '[2001:db8::25]:587');
    assert.equal(formatHostPort('::1', 25), '[::1]:25');
    assert.equal(formatHostPort('smtp.acme.com', 465), 'smtp.acme.com:465');
    assert.equal(connectionToForm(basicView({ host: 'fe80::1', port: 2525 })).url, '[fe80::1]:2525');
  });

  it('never contains a secret, a hint or secret metadata', () => {
    for (const view of [basicView(), oauth2View()]) {
      const form = connectionToForm(view);
      const text = JSON.stringify(form);
      assert.ok(!('password' in form));
      for (const forbidden of [
        CLIENT_SECRET,
        'correct horse battery staple',
        SECRET_INFO.hint!,
        'Secret',
        'secret',
        'hint',
        'isSet',
        'expiresAt',
        '2026',
      ]) {
        assert.ok(!text.includes(forbidden), `export contains ${forbidden}: ${text}`);
      }
      assert.deepEqual(Object.keys(form).sort(), ['configuration', 'description', 'name', 'type', 'url', 'userName']);
    }
  });
});

describe('round trip: export, then import with the password', () => {
  it('gives back the same Basic connection for every TLS mode and port', () => {
    for (const tls of Object.values(TlsMode)) {
      for (const port of [25, 465, 587, 2525]) {
        const view = basicView({ tls, port });
        const back = roundTrip(view, 'correct horse battery staple');
        assertSameSettings(back, view);
      }
    }
  });

  it('gives back the same OAuth2 connection for every TLS mode and client auth type', () => {
    for (const tls of Object.values(TlsMode)) {
      for (const clientAuthType of Object.values(ClientAuthType)) {
        const base = oauth2View({ tls, port: tls === TlsMode.IMPLICIT_TLS ? 465 : 587 });
        if (base.auth.kind !== 'oauth2ClientCredentials') assert.fail('expected OAuth2');
        const view: ConnectionView = {
          ...base,
          auth: { ...base.auth, clientAuthType, scope: 'api://custom/.default' },
        };
        assertSameSettings(roundTrip(view, CLIENT_SECRET), view);
      }
    }
  });

  it('gives back an IPv6 host, a CA certificate, a missing display name and description', () => {
    const view = basicView({
      host: '2001:db8::25',
      port: 465,
      tls: TlsMode.STARTTLS,
      caCertificate: CA_PEM,
      fromDisplayName: null,
      description: null,
    });
    assertSameSettings(roundTrip(view, 'pw'), view);
  });

  it('gives back the secret that was supplied with the import, and the same auth settings', () => {
    const input = accept({ ...connectionToForm(oauth2View()), password: CLIENT_SECRET });
    assert.deepEqual(input, accept(oauth2Form()));
    const basic = accept({ ...connectionToForm(basicView()), password: 'correct horse battery staple' });
    assert.deepEqual(basic, { ...accept(basicForm()), tls: TlsMode.STARTTLS });
  });

  it('refuses the exported form pasted back without its password, on the password only', () => {
    for (const view of [basicView(), oauth2View()]) {
      const errors = refuse({ ...connectionToForm(view), password: null });
      assertOnlyPaths(errors, ['password']);
    }
  });
});
