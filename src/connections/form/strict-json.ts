/**
 * A small JSON parser for the pasted Configuration field (RFC 8259 grammar).
 *
 * Why not JSON.parse: it keeps the last of two equal keys without a word, and its errors carry no line
 * and column on Node 20 and say nothing about what to fix. This parser keeps every object member in
 * order (duplicates included) with its 1-based line and column, and describes the usual paste
 * accidents (curly quotes, single quotes, trailing commas, a missing quote, comments, True/False)
 * in words an admin can act on.
 *
 * One forgiveness beyond RFC 8259: outside strings, the invisible characters that copying from a web
 * page or a document adds (no-break space U+00A0, zero-width space U+200B, word joiner U+2060, byte
 * order mark U+FEFF) count as whitespace. Inside strings a raw tab is kept as it is.
 */

export interface SourcePosition {
  /** 1-based */
  line: number;
  /** 1-based, in UTF-16 code units */
  column: number;
}

export interface JsonMember {
  key: string;
  keyPosition: SourcePosition;
  value: JsonNode;
}

export type JsonNode =
  | { kind: 'object'; members: JsonMember[]; position: SourcePosition }
  | { kind: 'array'; items: JsonNode[]; position: SourcePosition }
  | { kind: 'string'; value: string; position: SourcePosition }
  | { kind: 'number'; value: number; position: SourcePosition }
  | { kind: 'boolean'; value: boolean; position: SourcePosition }
  | { kind: 'null'; position: SourcePosition };

/** `message` says what is wrong and what to do, without the position (that is in `position`). */
export interface JsonSyntaxError {
  position: SourcePosition;
  message: string;
}

export type JsonParseResult = { ok: true; value: JsonNode } | { ok: false; error: JsonSyntaxError };

const MAX_DEPTH = 64;
const CURLY_QUOTES = new Set([
  '\u201C',
  '\u201D',
  '\u201E',
  '\u201F',
  '\u2018',
  '\u2019',
  '\u201A',
  '\u201B',
  '\u00AB',
  '\u00BB',
  '\u2033',
]);
const INVISIBLE_SPACE = new Set(['\u00A0', '\u200B', '\u2060', '\uFEFF']);
const CURLY_FIX = 'replace curly quotes with straight " quotes (they come from word processors and web pages)';

class SyntaxFailure {
  constructor(
    readonly offset: number,
    readonly message: string,
  ) {}
}

export function parseJsonWithPositions(text: string): JsonParseResult {
  const parser = new Parser(text);
  try {
    const value = parser.parseDocument();
    return { ok: true, value };
  } catch (e) {
    if (e instanceof SyntaxFailure) {
      return { ok: false, error: { position: parser.positionOf(e.offset), message: e.message } };
    }
    throw e;
  }
}

class Parser {
  private i = 0;
  /** Offset of a curly double quote inside the last string read, or -1: the likely cause of a later error. */
  private lastStringCurly = -1;
  private readonly lineStarts: number[] = [0];

  constructor(private readonly text: string) {
    for (let k = 0; k < text.length; k++) {
      const c = text[k];
      if (c === '\n' || (c === '\r' && text[k + 1] !== '\n')) this.lineStarts.push(k + 1);
    }
  }

  positionOf(offset: number): SourcePosition {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.lineStarts[lo] + 1 };
  }

  parseDocument(): JsonNode {
    this.skipWhitespace();
    const value = this.parseValue(0, 'value');
    this.skipWhitespace();
    if (this.i < this.text.length) {
      const c = this.text[this.i];
      if (c === ',') throw new SyntaxFailure(this.i, 'there is a comma after the end of the JSON object: remove it');
      throw new SyntaxFailure(
        this.i,
        `unexpected ${describeChar(c)} after the end of the JSON object: remove it, or check the braces { }`,
      );
    }
    return value;
  }

  private skipWhitespace(): void {
    for (;;) {
      const c = this.text[this.i];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || (c !== undefined && INVISIBLE_SPACE.has(c))) {
        this.i++;
      } else if (c === '/' && (this.text[this.i + 1] === '/' || this.text[this.i + 1] === '*')) {
        throw new SyntaxFailure(this.i, 'JSON does not allow comments: remove the comment');
      } else {
        return;
      }
    }
  }

  /** `role` only shapes the message when the value is missing ("value" or "key"). */
  private parseValue(depth: number, role: 'value' | 'key'): JsonNode {
    if (depth > MAX_DEPTH) throw new SyntaxFailure(this.i, `nesting is deeper than ${MAX_DEPTH} levels`);
    const start = this.i;
    const position = this.positionOf(start);
    const c = this.text[this.i];
    if (c === undefined) {
      throw new SyntaxFailure(start, 'the configuration ends too early: a value or a closing } is missing');
    }
    if (c === '{') return this.parseObject(depth);
    if (c === '[') return this.parseArray(depth);
    if (c === '"') return { kind: 'string', value: this.parseString(), position };
    if (c === '-' || (c >= '0' && c <= '9')) return { kind: 'number', value: this.parseNumber(), position };
    if (CURLY_QUOTES.has(c)) throw new SyntaxFailure(start, `found the curly quote ${c}: ${CURLY_FIX}`);
    if (c === "'") {
      throw new SyntaxFailure(start, `found a single quote ': JSON needs double quotes, e.g. "UseSsl", not 'UseSsl'`);
    }
    if (/[A-Za-z_]/.test(c)) {
      const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(start, start + 64))![0];
      if (word === 'true' || word === 'false' || word === 'null') {
        this.i += word.length;
        return word === 'null' ? { kind: 'null', position } : { kind: 'boolean', value: word === 'true', position };
      }
      const lower = word.toLowerCase();
      if (lower === 'true' || lower === 'false' || lower === 'null') {
        throw new SyntaxFailure(start, `write ${lower} in lower case (found ${word})`);
      }
      const shown = word.length > 30 ? `${word.slice(0, 30)}…` : word;
      if (role === 'key') {
        throw new SyntaxFailure(start, `the key ${shown} has no quotes: write it in double quotes, "${shown}"`);
      }
      throw new SyntaxFailure(
        start,
        `the text ${shown} has no quotes: put text values in double quotes, e.g. "${shown}"`,
      );
    }
    if (c === '}' || c === ']') {
      throw new SyntaxFailure(start, `a value is missing before ${c}`);
    }
    if (c === ',') throw new SyntaxFailure(start, 'a value is missing before this comma');
    throw new SyntaxFailure(start, `unexpected ${describeChar(c)} where a value should be`);
  }

  private parseObject(depth: number): JsonNode {
    const position = this.positionOf(this.i);
    const open = this.i;
    this.i++; // {
    const members: JsonMember[] = [];
    this.skipWhitespace();
    if (this.text[this.i] === '}') {
      this.i++;
      return { kind: 'object', members, position };
    }
    let lastComma = -1;
    for (;;) {
      this.skipWhitespace();
      const c = this.text[this.i];
      if (c === '}' && lastComma >= 0) {
        throw new SyntaxFailure(lastComma, 'trailing comma before }: remove this comma');
      }
      if (c === undefined) {
        throw new SyntaxFailure(open, 'the { here is never closed: add the closing } at the end');
      }
      if (c !== '"') {
        // Reuses the value diagnostics (curly and single quotes, bare words) with key wording.
        if (c === '{' || c === '[' || c === '-' || (c >= '0' && c <= '9')) {
          throw new SyntaxFailure(
            this.i,
            `a key in double quotes is expected here, e.g. "UseSsl", not ${describeChar(c)}`,
          );
        }
        const at = this.i;
        this.parseValue(depth + 1, 'key');
        throw new SyntaxFailure(at, 'a key in double quotes is expected here, e.g. "UseSsl"');
      }
      const keyOffset = this.i;
      const keyPosition = this.positionOf(keyOffset);
      const key = this.parseString();
      this.skipWhitespace();
      const colon = this.text[this.i];
      if (colon !== ':') {
        this.blameCurlyQuote();
        const lost = /^([^:,]*?)\s*[:,]/.exec(key);
        if (lost) {
          // `"UseSsl : true, "` was read as one key: the closing quote after UseSsl is missing.
          throw new SyntaxFailure(
            keyOffset + 1 + lost[1].length,
            `the closing quote is missing after ${lost[1]}: write "${lost[1]}"`,
          );
        }
        if (colon === '=') throw new SyntaxFailure(this.i, `use : between the key "${key}" and its value, not =`);
        if (colon === undefined)
          throw new SyntaxFailure(this.i, `the configuration ends after the key "${key}": add : and a value, then }`);
        throw new SyntaxFailure(this.i, `a colon : is missing after the key "${key}"`);
      }
      this.i++;
      this.skipWhitespace();
      const valueOffset = this.i;
      const value = this.parseValue(depth + 1, 'value');
      members.push({ key, keyPosition, value });
      this.skipWhitespace();
      const after = this.text[this.i];
      if (after === '}') {
        this.i++;
        return { kind: 'object', members, position };
      }
      if (after === ',') {
        lastComma = this.i;
        this.i++;
        continue;
      }
      if (after === undefined) {
        throw new SyntaxFailure(open, 'the { here is never closed: add the closing } at the end');
      }
      this.blameCurlyQuote();
      if (value.kind === 'string') {
        const lost = /^(.*?)\s*,\s*$/.exec(value.value);
        if (lost && value.value === this.text.slice(valueOffset + 1, valueOffset + 1 + value.value.length)) {
          // `"ACME Reporting, "FromAddress"…`: the value swallowed the comma, so its closing quote is missing.
          throw new SyntaxFailure(
            valueOffset + 1 + lost[1].length,
            `the closing quote is missing after ${lost[1]}: write "${lost[1]}"`,
          );
        }
      }
      if (after === '"') {
        throw new SyntaxFailure(this.i, `a comma is missing after the value of "${key}": add , before the next key`);
      }
      const hint =
        value.kind === 'string' ? ` (the value of "${key}" may have lost a quote, so the quotes pair up wrongly)` : '';
      throw new SyntaxFailure(
        this.i,
        `expected , or } after the value of "${key}" but found ${describeChar(after)}${hint}`,
      );
    }
  }

  private blameCurlyQuote(): void {
    if (this.lastStringCurly >= 0) {
      const c = this.text[this.lastStringCurly];
      throw new SyntaxFailure(
        this.lastStringCurly,
        `found the curly quote ${c} where a straight quote belongs: ${CURLY_FIX}`,
      );
    }
  }

  private parseArray(depth: number): JsonNode {
    const position = this.positionOf(this.i);
    const open = this.i;
    this.i++; // [
    const items: JsonNode[] = [];
    this.skipWhitespace();
    if (this.text[this.i] === ']') {
      this.i++;
      return { kind: 'array', items, position };
    }
    let lastComma = -1;
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.i] === ']' && lastComma >= 0) {
        throw new SyntaxFailure(lastComma, 'trailing comma before ]: remove this comma');
      }
      items.push(this.parseValue(depth + 1, 'value'));
      this.skipWhitespace();
      const after = this.text[this.i];
      if (after === ']') {
        this.i++;
        return { kind: 'array', items, position };
      }
      if (after === ',') {
        lastComma = this.i;
        this.i++;
        continue;
      }
      if (after === undefined) throw new SyntaxFailure(open, 'the [ here is never closed: add the closing ]');
      throw new SyntaxFailure(this.i, `expected , or ] in the list but found ${describeChar(after)}`);
    }
  }

  private parseString(): string {
    const open = this.i;
    this.i++; // "
    let out = '';
    let firstCurly = -1;
    for (;;) {
      const c = this.text[this.i];
      if (c === undefined || c === '\n' || c === '\r') {
        if (firstCurly >= 0) {
          throw new SyntaxFailure(
            firstCurly,
            `this text is never closed because it ends with the curly quote ${this.text[firstCurly]}: ${CURLY_FIX}`,
          );
        }
        const where = c === undefined ? 'the end of the configuration' : 'the end of the line';
        throw new SyntaxFailure(open, `the text starting here has no closing quote before ${where}: add the missing "`);
      }
      if (c === '"') {
        this.i++;
        this.lastStringCurly = firstCurly;
        return out;
      }
      if (c === '\\') {
        const e = this.text[this.i + 1];
        const simple: Record<string, string> = {
          '"': '"',
          '\\': '\\',
          '/': '/',
          b: '\b',
          f: '\f',
          n: '\n',
          r: '\r',
          t: '\t',
        };
        if (e !== undefined && e in simple) {
          out += simple[e];
          this.i += 2;
          continue;
        }
        if (e === 'u' && /^[0-9A-Fa-f]{4}$/.test(this.text.slice(this.i + 2, this.i + 6))) {
          out += String.fromCharCode(parseInt(this.text.slice(this.i + 2, this.i + 6), 16));
          this.i += 6;
          continue;
        }
        throw new SyntaxFailure(
          this.i,
          'a backslash \\ starts an escape here that JSON does not know: write \\\\ for a backslash',
        );
      }
      if (c < ' ' && c !== '\t') {
        throw new SyntaxFailure(this.i, 'a control character is inside the text: remove it');
      }
      // U+2019 doubles as the apostrophe ("ACME’s"), so it is not taken as a stray quote.
      if (firstCurly < 0 && CURLY_QUOTES.has(c) && c !== '\u2019') firstCurly = this.i;
      out += c;
      this.i++;
    }
  }

  private parseNumber(): number {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(this.text.slice(this.i, this.i + 400));
    const next = m ? this.text[this.i + m[0].length] : undefined;
    if (!m || (next !== undefined && /[0-9A-Za-z_.]/.test(next))) {
      throw new SyntaxFailure(
        this.i,
        'this is not a valid number: write digits only, e.g. 587, or put text in double quotes',
      );
    }
    this.i += m[0].length;
    return Number(m[0]);
  }
}

function describeChar(c: string): string {
  if (CURLY_QUOTES.has(c)) return `the curly quote ${c} (${CURLY_FIX})`;
  if (c === "'") return `a single quote ' (JSON needs double quotes ")`;
  const code = c.codePointAt(0)!;
  if (code < 0x20 || (code >= 0x7f && code <= 0xa0))
    return `the invisible character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return `"${c}"`;
}
