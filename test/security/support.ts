/** Shared pieces of the security tests: keys of each role, a fake SMTP tester, canary searches. */
import assert from 'node:assert/strict';
import type { GraphQLResponse, TestApp } from '../helpers/test-app.js';
import type { SmtpTester } from '../../src/connections/connection-test.service.js';
import { TestStage } from '../../src/mail/test-outcome.js';
import { CREATE_API_KEY } from '../auth/operations.js';

export const as = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

export function ok<T = any>(res: GraphQLResponse<any>): T {
  assert.equal(res.errors, undefined, res.body);
  assert.equal(res.status, 200, res.body);
  return res.data as T;
}

/** The first error's code; fails when there is none. */
export function errorCode(res: GraphQLResponse): string {
  assert.ok(res.errors && res.errors.length > 0, `expected an error, got ${res.body}`);
  return res.errors[0]!.extensions.code;
}

export async function createKey(t: TestApp, name: string, role: 'ADMIN' | 'OPERATOR' | 'VIEWER') {
  const created = ok(await t.gql(CREATE_API_KEY, { name, role })).createApiKey as {
    token: string;
    apiKey: { id: string; name: string };
  };
  return { id: created.apiKey.id, token: created.token, actor: `apiKey:${name}` };
}

/** A clock that moves 1 s forward on every reading, so events never share a timestamp; `jump` moves it further. */
export function steppingClock(start = '2031-03-01T08:00:00Z') {
  let now = new Date(start).getTime();
  return {
    clock: () => new Date((now += 1000)),
    jump(ms: number) {
      now += ms;
    },
    peek: () => new Date(now),
  };
}

/** An SMTP tester that accepts every message without a network: counts calls, records what it was given. */
export function fakeSmtp(): { smtp: SmtpTester; calls: Array<Parameters<SmtpTester>[0]> } {
  const calls: Array<Parameters<SmtpTester>[0]> = [];
  const smtp: SmtpTester = async (input) => {
    calls.push(input);
    return {
      ok: true,
      stage: TestStage.DONE,
      durationMs: 1,
      messageId: '<fake@postroom.test>',
      smtpCode: 250,
      enhancedCode: '2.0.0',
      serverResponse: '250 2.0.0 OK',
      errorCode: null,
      hint: null,
      transcript: ['* fake SMTP tester'],
      testedAt: input.clock ? input.clock() : new Date(),
    };
  };
  return { smtp, calls };
}

/** Every form a canary could leak in. */
export function canaryForms(secret: string): string[] {
  return [
    ...new Set([
      secret,
      Buffer.from(secret).toString('base64'),
      Buffer.from(secret).toString('base64url'),
      encodeURIComponent(secret),
      JSON.stringify(secret).slice(1, -1),
    ]),
  ];
}

export function assertNoCanary(texts: string[], secret: string, where: string): void {
  assert.ok(texts.length > 0, `${where}: nothing was captured, so the search would pass vacuously`);
  for (const form of canaryForms(secret)) {
    const hit = texts.findIndex((text) => text.includes(form));
    assert.equal(hit, -1, `${where}[${hit}] contains the canary (a form starting "${form.slice(0, 6)}")`);
  }
}
