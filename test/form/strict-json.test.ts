import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseJsonWithPositions, type JsonNode } from '../../src/connections/form/strict-json.js';

function parse(text: string): JsonNode {
  const result = parseJsonWithPositions(text);
  if (!result.ok) assert.fail(`expected valid JSON, got ${JSON.stringify(result.error)}`);
  return result.value;
}

function plain(node: JsonNode): unknown {
  switch (node.kind) {
    case 'object':
      return Object.fromEntries(node.members.map((m) => [m.key, plain(m.value)]));
    case 'array':
      return node.items.map(plain);
    case 'null':
      return null;
    default:
      return node.value;
  }
}

describe('parseJsonWithPositions', () => {
  it('reads what JSON.parse reads', () => {
    const samples = [
      '{"a": [1, -2.5e3, true, false, null, "x\\"y\\\\z\\u00e9\\n"], "b": {"c": {}}, "d": []}',
      '"text"',
      '0',
      '[ ]',
    ];
    for (const s of samples) assert.deepEqual(plain(parse(s)), JSON.parse(s));
  });

  it('keeps every member, duplicates included, with 1-based positions across CRLF and LF lines', () => {
    const root = parse('{\r\n  "a": 1,\r\n\t"A": 2,\n "a": 3 }');
    assert.equal(root.kind, 'object');
    if (root.kind !== 'object') return;
    assert.deepEqual(
      root.members.map((m) => [m.key, m.keyPosition.line, m.keyPosition.column]),
      [
        ['a', 2, 3],
        ['A', 3, 2],
        ['a', 4, 2],
      ],
    );
  });

  it('reports a position and a fix for each paste accident', () => {
    const cases: [string, number, number, string][] = [
      ['{"a": 1,}', 1, 8, 'trailing comma'],
      ['[1, 2,]', 1, 6, 'trailing comma'],
      ['{\n\u201Ca\u201D: 1}', 2, 1, 'straight " quotes'],
      ["{'a': 1}", 1, 2, 'double quotes'],
      ['{"a": 1} x', 1, 10, 'after the end'],
      ['{"a" = 1}', 1, 6, 'use :'],
      ['{"a": \'b\'}', 1, 7, 'double quotes'],
      ['{"a": b}', 1, 7, 'put text values in double quotes'],
      ['{"a": "b\n"}', 1, 7, 'no closing quote'],
      ['{"a": "\\q"}', 1, 8, 'backslash'],
      ['{"a": 1 /* c */}', 1, 9, 'comments'],
      ['{"a": 007}', 1, 7, 'not a valid number'],
      ['', 1, 1, 'ends too early'],
    ];
    for (const [text, line, column, fragment] of cases) {
      const result = parseJsonWithPositions(text);
      assert.equal(result.ok, false, text);
      if (result.ok) continue;
      assert.deepEqual(result.error.position, { line, column }, `${JSON.stringify(text)}: ${result.error.message}`);
      assert.ok(result.error.message.includes(fragment), `${JSON.stringify(text)}: ${result.error.message}`);
    }
  });

  it('keeps an apostrophe ’ inside text', () => {
    assert.deepEqual(plain(parse('{"FromDisplayName": "ACME\u2019s reports"}')), {
      FromDisplayName: 'ACME\u2019s reports',
    });
  });

  it('stops deep nesting with an error instead of overflowing the stack', () => {
    const result = parseJsonWithPositions('['.repeat(10_000));
    assert.equal(result.ok, false);
    if (!result.ok) assert.ok(result.error.message.includes('nesting'));
  });
});
