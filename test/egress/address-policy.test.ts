import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/config.js';
import {
  checkLiteralDestination,
  classifyAddress,
  compileEgressPolicy,
  parseHostLiteral,
  parseIPv4Loose,
  parseIPv6,
  type AddressClass,
  type EgressPolicy,
} from '../../src/egress/address-policy.js';

const DEFAULTS = { allowPrivate: false, allowedHosts: [] as string[], allowedPorts: [25, 465, 587, 2525] };
const policy = (overrides: Partial<typeof DEFAULTS> = {}): EgressPolicy =>
  compileEgressPolicy({ ...DEFAULTS, ...overrides });

describe('host literals are read the way the resolver reads them', () => {
  const loopbackForms: Array<[string, string]> = [
    ['127.1', '127.0.0.1'],
    ['0x7f000001', '127.0.0.1'],
    ['0X7F000001', '127.0.0.1'],
    ['2130706433', '127.0.0.1'],
    ['0177.0.0.1', '127.0.0.1'],
    ['0x7f.1', '127.0.0.1'],
    ['127.0.1', '127.0.0.1'],
    ['127.0.0.1.', '127.0.0.1'],
  ];
  for (const [written, address] of loopbackForms) {
    test(`${written} → IPv4 ${address}, loopback`, () => {
      assert.deepEqual(parseHostLiteral(written), { kind: 'ip', address, family: 4 });
      assert.equal(classifyAddress(written)?.class, 'loopback');
    });
  }

  const v6Forms: Array<[string, string]> = [
    ['[::1]', '::1'],
    ['::1', '::1'],
    ['[::ffff:127.0.0.1]', '::ffff:127.0.0.1'],
    ['::ffff:7f00:1', '::ffff:7f00:1'],
    ['[0:0:0:0:0:0:0:1]', '0:0:0:0:0:0:0:1'],
  ];
  for (const [written, address] of v6Forms) {
    test(`${written} → IPv6 ${address}, loopback`, () => {
      assert.deepEqual(parseHostLiteral(written), { kind: 'ip', address, family: 6 });
      assert.equal(classifyAddress(written)?.class, 'loopback');
    });
  }

  test('numeric-looking hosts that are no valid address are refused, not sent to DNS', () => {
    for (const host of ['1.2.3.4.5', '08.0.0.1', '256.1.1.1', '1.2.3.0x', '4294967296', '0x1ffffffff']) {
      const literal = parseHostLiteral(host);
      assert.equal(literal.kind, 'invalid', host);
      assert.match((literal as { message: string }).message, /not a valid one/);
    }
  });

  test('ordinary names stay names (lower case, no trailing dot)', () => {
    assert.deepEqual(parseHostLiteral('SMTP.Office365.com.'), { kind: 'name', name: 'smtp.office365.com' });
    assert.deepEqual(parseHostLiteral('0x7f.example.com'), { kind: 'name', name: '0x7f.example.com' });
    assert.deepEqual(parseHostLiteral('127.0.0.1.nip.io'), { kind: 'name', name: '127.0.0.1.nip.io' });
  });

  test('parseIPv4Loose follows inet_aton part widths', () => {
    assert.deepEqual(parseIPv4Loose('1.65535'), [1, 0, 255, 255]);
    assert.deepEqual(parseIPv4Loose('1.2.65535'), [1, 2, 255, 255]);
    assert.equal(parseIPv4Loose('1.2.65536'), null);
    assert.equal(parseIPv4Loose('256.0.1'), null);
  });

  test('parseIPv6 expands :: and embedded dotted quads', () => {
    assert.deepEqual(parseIPv6('::ffff:127.0.0.1'), [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 127, 0, 0, 1]);
    assert.deepEqual(
      parseIPv6('[2001:db8::8:800:200c:417a]'),
      [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 8, 8, 0, 0x20, 0x0c, 0x41, 0x7a],
    );
    assert.deepEqual(parseIPv6('1:2:3:4:5:6:7:8'), [0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8]);
    assert.equal(parseIPv6('1::2::3'), null);
    assert.equal(parseIPv6('example.com'), null);
  });
});

describe('address classes', () => {
  const table: Array<[string, AddressClass, RegExp | null]> = [
    ['0.0.0.0', 'unspecified', null],
    ['0.1.2.3', 'unspecified', null],
    ['::', 'unspecified', null],
    ['127.0.0.1', 'loopback', null],
    ['127.255.255.254', 'loopback', null],
    ['::1', 'loopback', null],
    ['169.254.169.254', 'linkLocal', /metadata/],
    ['169.254.1.1', 'linkLocal', null],
    ['fe80::1', 'linkLocal', null],
    ['fe80::1%eth0', 'linkLocal', null],
    ['febf::1', 'linkLocal', null],
    ['fd00:ec2::254', 'linkLocal', /metadata/],
    ['224.0.0.1', 'multicast', null],
    ['239.255.255.250', 'multicast', null],
    ['ff02::1', 'multicast', null],
    ['255.255.255.255', 'broadcast', null],
    ['240.0.0.1', 'reserved', null],
    ['100.64.0.1', 'reserved', null],
    ['100.100.100.200', 'reserved', /metadata/],
    ['100.127.255.255', 'reserved', null],
    ['192.0.0.192', 'reserved', /metadata/],
    ['192.0.2.10', 'reserved', null],
    ['198.18.0.1', 'reserved', null],
    ['198.19.255.255', 'reserved', null],
    ['198.51.100.1', 'reserved', null],
    ['203.0.113.25', 'reserved', null],
    ['2001:db8::1', 'reserved', null],
    ['2001::1', 'reserved', null],
    ['100::1', 'reserved', null],
    ['fec0::1', 'reserved', null],
    ['4000::1', 'reserved', null],
    ['10.1.2.3', 'private', null],
    ['172.16.0.1', 'private', null],
    ['172.31.255.255', 'private', null],
    ['192.168.1.1', 'private', null],
    ['fc00::1', 'private', null],
    ['fd12:3456::1', 'private', null],
    ['8.8.8.8', 'public', null],
    ['52.96.0.1', 'public', null],
    ['172.32.0.1', 'public', null],
    ['100.128.0.1', 'public', null],
    ['169.255.0.1', 'public', null],
    ['2606:4700:4700::1111', 'public', null],
    ['2a01:111:f400::1', 'public', null],
    // IPv4 inside IPv6 takes the inner class
    ['::ffff:127.0.0.1', 'loopback', /IPv4-mapped form of 127\.0\.0\.1/],
    ['::ffff:a9fe:a9fe', 'linkLocal', /IPv4-mapped form of 169\.254\.169\.254, the cloud metadata service/],
    ['::ffff:10.0.0.1', 'private', /IPv4-mapped/],
    ['::ffff:8.8.8.8', 'public', /IPv4-mapped/],
    ['64:ff9b::127.0.0.1', 'loopback', /NAT64/],
    ['64:ff9b::a9fe:a9fe', 'linkLocal', /NAT64/],
    ['64:ff9b::8.8.8.8', 'public', /NAT64/],
    ['2002:7f00:1::', 'loopback', /6to4 form of 127\.0\.0\.1/],
    ['2002:a9fe:a9fe::1', 'linkLocal', /6to4/],
    ['2002:808:808::1', 'public', /6to4 form of 8\.8\.8\.8/],
    ['::127.0.0.1', 'loopback', /IPv4-compatible/],
    ['::8.8.8.8', 'reserved', /IPv4-compatible/],
    ['::ffff:0:8.8.8.8', 'reserved', /IPv4-translated/],
  ];
  for (const [address, expected, note] of table) {
    test(`${address} is ${expected}`, () => {
      const classified = classifyAddress(address);
      assert.equal(classified?.class, expected);
      if (note) assert.match(classified!.note ?? '', note);
    });
  }

  test('names are not addresses', () => {
    assert.equal(classifyAddress('smtp.example.com'), null);
  });
});

describe('save-time destination check (no DNS)', () => {
  const refusedByDefault = [
    '127.1',
    '0x7f000001',
    '2130706433',
    '0177.0.0.1',
    '[::1]',
    '::1',
    '[::ffff:127.0.0.1]',
    '::ffff:7f00:1',
    '169.254.169.254',
    'fd00:ec2::254',
    '0.0.0.0',
    '224.0.0.1',
    '10.1.2.3',
    'localhost',
    'db.localhost',
  ];
  for (const host of refusedByDefault) {
    test(`${host}:587 is refused by default, naming EGRESS_ALLOWED_HOSTS`, () => {
      const denial = checkLiteralDestination(policy(), host, 587, 'smtp');
      assert.equal(denial?.reason, 'address');
      assert.match(denial!.message, /EGRESS_ALLOWED_HOSTS/);
      assert.doesNotMatch(denial!.message, /disable|turn off/i);
    });
  }

  test('literal forms show the address they stand for', () => {
    assert.match(
      checkLiteralDestination(policy(), '0x7f000001', 25, 'smtp')!.message,
      /^0x7f000001 \(127\.0\.0\.1\) is a loopback address/,
    );
    assert.match(
      checkLiteralDestination(policy(), '169.254.169.254', 25, 'smtp')!.message,
      /link-local address \(the cloud metadata service\)/,
    );
  });

  test('private ranges: refused by default naming EGRESS_ALLOW_PRIVATE, allowed with allowPrivate', () => {
    for (const host of ['10.1.2.3', '172.16.5.5', '192.168.0.10', 'fd12::25', '::ffff:10.1.2.3']) {
      const denial = checkLiteralDestination(policy(), host, 587, 'smtp');
      assert.match(denial?.message ?? '', /private-range address .*EGRESS_ALLOW_PRIVATE=true/, host);
      assert.equal(checkLiteralDestination(policy({ allowPrivate: true }), host, 587, 'smtp'), null, host);
    }
  });

  test('allowPrivate never opens loopback, link-local, metadata, multicast, unspecified or reserved', () => {
    for (const host of [
      '127.0.0.1',
      '169.254.169.254',
      'fd00:ec2::254',
      '224.0.0.1',
      '0.0.0.0',
      '100.64.0.1',
      '198.18.0.1',
      '[::1]',
    ]) {
      assert.equal(checkLiteralDestination(policy({ allowPrivate: true }), host, 587, 'smtp')?.reason, 'address', host);
    }
  });

  test('a public address and a plain name pass', () => {
    assert.equal(checkLiteralDestination(policy(), '52.96.0.1', 587, 'smtp'), null);
    assert.equal(checkLiteralDestination(policy(), '2a01:111:f400::1', 587, 'smtp'), null);
    assert.equal(checkLiteralDestination(policy(), 'smtp.office365.com', 587, 'smtp'), null);
  });

  test('ports: only EGRESS_ALLOWED_PORTS for SMTP', () => {
    for (const port of [25, 465, 587, 2525])
      assert.equal(checkLiteralDestination(policy(), 'smtp.example.com', port, 'smtp'), null);
    const denial = checkLiteralDestination(policy(), 'smtp.example.com', 6379, 'smtp');
    assert.equal(denial?.reason, 'port');
    assert.match(
      denial!.message,
      /port 6379 is not an allowed SMTP port \(allowed: 25, 465, 587, 2525\).*EGRESS_ALLOWED_PORTS/,
    );
    assert.equal(checkLiteralDestination(policy({ allowedPorts: [26] }), 'smtp.example.com', 26, 'smtp'), null);
    assert.equal(
      checkLiteralDestination(policy({ allowedPorts: [26] }), 'smtp.example.com', 587, 'smtp')?.reason,
      'port',
    );
  });

  test('token destinations skip the SMTP port list but not the address classes', () => {
    assert.equal(checkLiteralDestination(policy(), 'login.microsoftonline.com', 443, 'token'), null);
    assert.equal(checkLiteralDestination(policy(), '127.0.0.1', 443, 'token')?.reason, 'address');
  });

  test('EGRESS_ALLOWED_HOSTS by name, IP and CIDR: allowed, on any port', () => {
    const p = policy({ allowedHosts: ['Relay.Internal.', '127.0.0.1', '10.20.0.0/16', 'fd00:abcd::/32', '[::1]'] });
    assert.equal(checkLiteralDestination(p, 'relay.internal', 2526, 'smtp'), null);
    assert.equal(checkLiteralDestination(p, '127.0.0.1', 40000, 'smtp'), null);
    assert.equal(checkLiteralDestination(p, '127.1', 25, 'smtp'), null, 'the short form of a listed IP is the same IP');
    assert.equal(
      checkLiteralDestination(p, '::ffff:127.0.0.1', 25, 'smtp'),
      null,
      'the mapped form of a listed IP is the same IP',
    );
    assert.equal(checkLiteralDestination(p, '10.20.3.4', 25, 'smtp'), null);
    assert.equal(checkLiteralDestination(p, 'fd00:abcd::5', 25, 'smtp'), null);
    assert.equal(checkLiteralDestination(p, '::1', 25, 'smtp'), null);
    // neighbours stay refused
    assert.equal(checkLiteralDestination(p, '127.0.0.2', 25, 'smtp')?.reason, 'address');
    assert.equal(checkLiteralDestination(p, '10.21.0.1', 25, 'smtp')?.reason, 'address');
    assert.equal(checkLiteralDestination(p, 'relay.internal.evil.test', 6379, 'smtp')?.reason, 'port');
  });

  test('a malformed EGRESS_ALLOWED_HOSTS entry stops the boot, naming the variable', () => {
    for (const entry of ['10.0.0.0/33', 'nonsense/8', '1.2.3.4.5', 'bad host']) {
      assert.throws(
        () => policy({ allowedHosts: ['ok.example', entry] }),
        (error: unknown) =>
          error instanceof ConfigError &&
          /^EGRESS_ALLOWED_HOSTS: entry 2 /.test(error.message) &&
          !error.message.includes(entry),
        entry,
      );
    }
  });
});
