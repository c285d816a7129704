import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createEgressGuard, type EgressGuard, type EgressVerdict } from '../../src/egress/egress-guard.js';
import { stubResolver, type StubAnswers } from './stub-resolver.js';

const DEFAULTS = { allowPrivate: false, allowedHosts: [] as string[], allowedPorts: [25, 465, 587, 2525] };

function sut(answers: StubAnswers, overrides: Partial<typeof DEFAULTS> = {}): { guard: EgressGuard; calls: string[] } {
  const { resolver, calls } = stubResolver(answers);
  return { guard: createEgressGuard({ ...DEFAULTS, ...overrides }, { resolver }), calls };
}

function refused(verdict: EgressVerdict): { reason: string; message: string; errorCode: string } {
  assert.equal(verdict.ok, false, JSON.stringify(verdict));
  return verdict as { ok: false; reason: string; message: string; errorCode: string };
}

describe('vetDestination', () => {
  test('a public name is allowed and its address returned for dialling', async () => {
    const { guard, calls } = sut({ 'smtp.example.com': [['52.96.0.1']] });
    assert.deepEqual(await guard.vetDestination('smtp.example.com', 587, 'smtp'), {
      ok: true,
      address: '52.96.0.1',
      family: 4,
    });
    assert.deepEqual(calls, ['smtp.example.com']);
  });

  test('a name that resolves to a private address is refused (EGRESS_ALLOW_PRIVATE named), and allowed with allowPrivate', async () => {
    const answers = { 'relay.corp.example': [['10.0.0.25']] };
    const denial = refused(await sut(answers).guard.vetDestination('relay.corp.example', 587, 'smtp'));
    assert.equal(denial.reason, 'address');
    assert.equal(denial.errorCode, 'EGRESS_DENIED');
    assert.match(
      denial.message,
      /^relay\.corp\.example resolves to a private-range address .*EGRESS_ALLOW_PRIVATE=true.*EGRESS_ALLOWED_HOSTS/,
    );
    assert.doesNotMatch(denial.message, /10\.0\.0\.25/, 'the resolved internal address is not echoed');
    const allowed = await sut(answers, { allowPrivate: true }).guard.vetDestination('relay.corp.example', 587, 'smtp');
    assert.deepEqual(allowed, { ok: true, address: '10.0.0.25', family: 4 });
  });

  test('a name that resolves to the metadata service is refused', async () => {
    for (const address of ['169.254.169.254', 'fd00:ec2::254', '::ffff:169.254.169.254']) {
      const denial = refused(
        await sut({ 'meta.evil.test': [[address]] }, { allowPrivate: true }).guard.vetDestination(
          'meta.evil.test',
          25,
          'smtp',
        ),
      );
      assert.match(
        denial.message,
        /link-local address \(.*the cloud metadata service\).*EGRESS_ALLOWED_HOSTS/,
        address,
      );
    }
  });

  test('EVERY resolved address is checked: one forbidden record refuses the name', async () => {
    const { guard } = sut({ 'mixed.evil.test': [['52.96.0.1', '127.0.0.1']] });
    const denial = refused(await guard.vetDestination('mixed.evil.test', 587, 'smtp'));
    assert.match(denial.message, /^mixed\.evil\.test resolves to a loopback address/);
  });

  test('IPv4 is preferred when a name has both families', async () => {
    const { guard } = sut({ 'dual.example.com': [['2606:4700::1', '52.96.0.1']] });
    assert.deepEqual(await guard.vetDestination('dual.example.com', 587, 'smtp'), {
      ok: true,
      address: '52.96.0.1',
      family: 4,
    });
    const v6only = sut({ 'v6.example.com': [['2606:4700::1']] }).guard;
    assert.deepEqual(await v6only.vetDestination('v6.example.com', 587, 'smtp'), {
      ok: true,
      address: '2606:4700::1',
      family: 6,
    });
  });

  test('literals never reach the resolver', async () => {
    const { guard, calls } = sut({});
    for (const host of [
      '127.1',
      '0x7f000001',
      '2130706433',
      '[::1]',
      '[::ffff:127.0.0.1]',
      '169.254.169.254',
      '0.0.0.0',
      '224.0.0.1',
      '10.1.2.3',
    ]) {
      assert.equal(refused(await guard.vetDestination(host, 587, 'smtp')).reason, 'address', host);
    }
    assert.deepEqual(await guard.vetDestination('52.96.0.1', 587, 'smtp'), {
      ok: true,
      address: '52.96.0.1',
      family: 4,
    });
    assert.deepEqual(calls, []);
  });

  test('localhost is refused without DNS unless listed', async () => {
    const { guard, calls } = sut({ localhost: [['52.96.0.1']] });
    assert.match(
      refused(await guard.vetDestination('localhost', 25, 'smtp')).message,
      /localhost always means this machine/,
    );
    assert.deepEqual(calls, []);
  });

  test('the port is checked before DNS (SMTP only)', async () => {
    const { guard, calls } = sut({ 'smtp.example.com': [['52.96.0.1']] });
    const denial = refused(await guard.vetDestination('smtp.example.com', 22, 'smtp'));
    assert.equal(denial.reason, 'port');
    assert.match(denial.message, /EGRESS_ALLOWED_PORTS/);
    assert.deepEqual(calls, []);
    assert.equal((await guard.vetDestination('smtp.example.com', 8443, 'token')).ok, true);
  });

  test('EGRESS_ALLOWED_HOSTS: a listed name is allowed whatever it resolves to, on any port', async () => {
    const { guard } = sut({ 'relay.internal': [['10.9.9.9']] }, { allowedHosts: ['relay.internal'] });
    assert.deepEqual(await guard.vetDestination('relay.internal', 2526, 'smtp'), {
      ok: true,
      address: '10.9.9.9',
      family: 4,
    });
  });

  test('EGRESS_ALLOWED_HOSTS: an unlisted name resolving into a listed IP or CIDR is allowed', async () => {
    const answers = {
      'a.corp.example': [['10.20.1.1']],
      'b.corp.example': [['10.30.1.1']],
      'c.corp.example': [['192.168.7.7']],
    };
    const { guard } = sut(answers, { allowedHosts: ['10.20.0.0/16', '192.168.7.7'] });
    assert.equal((await guard.vetDestination('a.corp.example', 587, 'smtp')).ok, true);
    assert.equal((await guard.vetDestination('c.corp.example', 587, 'smtp')).ok, true);
    assert.equal(refused(await guard.vetDestination('b.corp.example', 587, 'smtp')).reason, 'address');
  });

  test("a name that does not resolve is a DNS failure with the resolver's code, not an egress refusal", async () => {
    const timeout = Object.assign(new Error('queryA ETIMEOUT'), { code: 'EAI_AGAIN' });
    const { guard } = sut({ 'slow.example.com': [timeout], 'empty.example.com': [[]] });
    assert.deepEqual(
      { ...(await guard.vetDestination('nowhere.example.com', 587, 'smtp')), message: undefined },
      { ok: false, reason: 'unresolvable', errorCode: 'ENOTFOUND', message: undefined },
    );
    assert.equal(refused(await guard.vetDestination('slow.example.com', 587, 'smtp')).errorCode, 'EAI_AGAIN');
    assert.equal(refused(await guard.vetDestination('empty.example.com', 587, 'smtp')).errorCode, 'ENOTFOUND');
  });

  test('a resolver that never answers hits the DNS deadline', async () => {
    const guard = createEgressGuard(DEFAULTS, { resolver: () => new Promise(() => undefined), dnsTimeoutMs: 50 });
    const denial = refused(await guard.vetDestination('hang.example.com', 587, 'smtp'));
    assert.equal(denial.reason, 'unresolvable');
    assert.equal(denial.errorCode, 'EAI_AGAIN');
  });

  test('numeric-looking but invalid hosts are refused as invalid', async () => {
    const denial = refused(await sut({}).guard.vetDestination('1.2.3.4.5', 587, 'smtp'));
    assert.equal(denial.reason, 'invalidHost');
    assert.equal(denial.errorCode, 'EGRESS_DENIED');
  });
});
