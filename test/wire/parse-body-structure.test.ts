import { describe, expect, it } from 'vitest';
import { isMultipart } from '../../src/wire/message-types.js';
import type { BodyStructure } from '../../src/wire/message-types.js';
import { parse, protocolError } from './parse-helpers.js';

/** The BODYSTRUCTURE (or, with `item` 'BODY', the BODY) of a FETCH response. */
function structure(text: string, item: 'BODYSTRUCTURE' | 'BODY' = 'BODYSTRUCTURE'): BodyStructure {
  const response = parse(`* 1 FETCH (${item} ${text})\r\n`);
  if (response.type !== 'untagged' || response.kind !== 'FETCH') throw new Error('not a FETCH');
  const value = item === 'BODY' ? response.attributes.body : response.attributes.bodyStructure;
  if (!value) throw new Error('no body structure');
  return value;
}

const failure = (text: string) => protocolError(() => structure(text));

/** Every node as `section type/subtype`, depth first, message/rfc822 bodies included. */
function outline(node: BodyStructure): string[] {
  const line = `${node.section ?? '-'} ${node.type}/${node.subtype}`;
  if (isMultipart(node)) return [line, ...node.parts.flatMap(outline)];
  return node.body ? [line, ...outline(node.body)] : [line];
}

const text = (subtype: string, lines = 1) => `("TEXT" "${subtype}" ("CHARSET" "us-ascii") NIL NIL "7BIT" 10 ${lines})`;
const gif = '("IMAGE" "GIF" ("NAME" "a.gif") NIL NIL "BASE64" 400)';
const octets = '("APPLICATION" "OCTET-STREAM" NIL NIL NIL "BASE64" 800)';
const envelope = '(NIL "inner" NIL NIL NIL NIL NIL NIL NIL NIL)';
const message = (inner: string) => `("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 1000 ${envelope} ${inner} 30)`;

describe('BODYSTRUCTURE', () => {
  it('reads the RFC 3501 example', () => {
    expect(
      structure(
        '(("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 1152 23)' +
          '("TEXT" "PLAIN" ("CHARSET" "US-ASCII" "NAME" "cc.diff") "<960723163407.20117h@cac.washington.edu>" ' +
          '"Compiler diff" "BASE64" 4554 73) "MIXED")',
      ),
    ).toEqual({
      type: 'multipart',
      subtype: 'mixed',
      params: {},
      parts: [
        {
          type: 'text',
          subtype: 'plain',
          params: { charset: 'US-ASCII' },
          id: null,
          description: null,
          encoding: '7BIT',
          size: 1152,
          lines: 23,
          section: '1',
        },
        {
          type: 'text',
          subtype: 'plain',
          params: { charset: 'US-ASCII', name: 'cc.diff' },
          id: '<960723163407.20117h@cac.washington.edu>',
          description: 'Compiler diff',
          encoding: 'BASE64',
          size: 4554,
          lines: 73,
          section: '2',
        },
      ],
    });
  });

  it('numbers a single-part message as part 1, with its extension data', () => {
    expect(
      structure(
        '("text" "html" ("charset" "UTF-8" "format" "flowed") "<id@x>" "A page" "quoted-printable" 2279 48 ' +
          '"Q2hlY2sgSW50ZWdyaXR5IQ==" ("inline" ("filename" "page.html")) ("en" "fr") "http://example.com/page" ' +
          '"future" (1 (2 "x")))',
      ),
    ).toEqual({
      type: 'text',
      subtype: 'html',
      params: { charset: 'UTF-8', format: 'flowed' },
      id: '<id@x>',
      description: 'A page',
      encoding: 'QUOTED-PRINTABLE',
      size: 2279,
      lines: 48,
      md5: 'Q2hlY2sgSW50ZWdyaXR5IQ==',
      disposition: { type: 'inline', params: { filename: 'page.html' } },
      language: ['en', 'fr'],
      location: 'http://example.com/page',
      section: '1',
    });
  });

  it('numbers every part as RFC 3501 §6.4.5 does', () => {
    // The example of §6.4.5: a message/rfc822 part at 3 and one nested at 4.2.
    const body = structure(
      `(${text('PLAIN')}${octets}${message(`(${text('PLAIN')}${octets} "MIXED")`)}` +
        `(${gif}${message(`(${text('PLAIN')}(${text('PLAIN')}${text('RICHTEXT')} "ALTERNATIVE") "MIXED")`)} "MIXED") "MIXED")`,
    );
    expect(outline(body)).toEqual([
      '- multipart/mixed',
      '1 text/plain',
      '2 application/octet-stream',
      '3 message/rfc822',
      '- multipart/mixed',
      '3.1 text/plain',
      '3.2 application/octet-stream',
      '4 multipart/mixed',
      '4.1 image/gif',
      '4.2 message/rfc822',
      '- multipart/mixed',
      '4.2.1 text/plain',
      '4.2.2 multipart/alternative',
      '4.2.2.1 text/plain',
      '4.2.2.2 text/richtext',
    ]);
  });

  it('numbers the single-part body of a message/rfc822 part below it', () => {
    const body = structure(`(${text('PLAIN')}${message(text('PLAIN', 5))} "MIXED")`);
    expect(outline(body)).toEqual(['- multipart/mixed', '1 text/plain', '2 message/rfc822', '2.1 text/plain']);
    const attached = isMultipart(body) ? body.parts[1] : undefined;
    expect(attached).toMatchObject({ lines: 30, envelope: { subject: 'inner' }, body: { section: '2.1', lines: 5 } });
  });

  it('reads multipart extension data and skips further extensions', () => {
    expect(
      structure(
        `(${text('PLAIN')}${text('HTML')} "ALTERNATIVE" ("BOUNDARY" "b1_x" "charset" "utf-8") ("attachment" NIL) "de" NIL 42 "y")`,
      ),
    ).toMatchObject({
      type: 'multipart',
      subtype: 'alternative',
      params: { boundary: 'b1_x', charset: 'utf-8' },
      disposition: { type: 'attachment', params: {} },
      language: ['de'],
      location: null,
    });
  });

  it('reads BODY (non-extensible) into attributes.body', () => {
    expect(structure('("TEXT" "PLAIN" NIL NIL NIL "7BIT" 3 1)', 'BODY')).toEqual({
      type: 'text',
      subtype: 'plain',
      params: {},
      id: null,
      description: null,
      encoding: '7BIT',
      size: 3,
      lines: 1,
      section: '1',
    });
  });

  it('reads a Gmail attachment part with a NIL md5 and a disposition', () => {
    expect(
      structure(
        '("application" "pdf" ("name" "Invoice 2024-03.pdf") "<f_lt2x1>" NIL "base64" 120342 NIL ' +
          '("attachment" ("filename" "Invoice 2024-03.pdf")) NIL)',
      ),
    ).toEqual({
      type: 'application',
      subtype: 'pdf',
      params: { name: 'Invoice 2024-03.pdf' },
      id: '<f_lt2x1>',
      description: null,
      encoding: 'BASE64',
      size: 120342,
      md5: null,
      disposition: { type: 'attachment', params: { filename: 'Invoice 2024-03.pdf' } },
      language: null,
      section: '1',
    });
  });
});

describe('BODYSTRUCTURE quirks', () => {
  it('accepts NIL where a string belongs: encoding (7BIT), type and subtype', () => {
    expect(structure('("TEXT" NIL NIL NIL NIL NIL 0 0)')).toEqual({
      type: 'text',
      subtype: '',
      params: {},
      id: null,
      description: null,
      encoding: '7BIT',
      size: 0,
      lines: 0,
      section: '1',
    });
    expect(structure(`(${text('PLAIN')} NIL)`)).toMatchObject({ type: 'multipart', subtype: '' });
  });

  it('reads Exchange\'s quoted "NIL" as NIL', () => {
    expect(structure('("text" "plain" ("charset" "utf-8") "NIL" "NIL" "7bit" 5 1 "NIL" ("inline" NIL) "NIL" "NIL")')).toEqual({
      type: 'text',
      subtype: 'plain',
      params: { charset: 'utf-8' },
      id: null,
      description: null,
      encoding: '7BIT',
      size: 5,
      lines: 1,
      md5: null,
      disposition: { type: 'inline', params: {} },
      language: null,
      location: null,
      section: '1',
    });
  });

  it('accepts missing extension data and body-fld-lines on a message/rfc822 without its envelope', () => {
    expect(structure('("message" "rfc822" NIL NIL NIL "7bit" 500)')).toEqual({
      type: 'message',
      subtype: 'rfc822',
      params: {},
      id: null,
      description: null,
      encoding: '7BIT',
      size: 500,
      section: '1',
    });
  });

  it('accepts () and NIL values in parameter lists, and SP between parts', () => {
    expect(structure('(("text" "plain" () NIL NIL "7bit" 1 1) ("text" "html" ("charset" NIL) NIL NIL "7bit" 1 1) "alternative")')).toMatchObject({
      parts: [
        { params: {}, section: '1' },
        { params: { charset: '' }, section: '2' },
      ],
    });
  });

  it('keeps a hostile __proto__ parameter as data', () => {
    const body = structure('("text" "plain" ("__proto__" "x") NIL NIL "7bit" 1 1)');
    expect(Object.getPrototypeOf(body.params)).toBe(Object.prototype);
    expect(Object.entries(body.params)).toEqual([['__proto__', 'x']]);
  });
});

describe('BODYSTRUCTURE errors', () => {
  it('names the rule and offset', () => {
    /** The offset, in the FETCH response, of `needle` in `text`. */
    const at = (text: string, needle: string) => '* 1 FETCH (BODYSTRUCTURE '.length + text.indexOf(needle);
    const badSize = '("text" "plain" NIL NIL NIL "7bit" x 1)';
    expect(failure(badSize)).toMatchObject({ rule: 'body-fld-octets', offset: at(badSize, ' x') + 1 });
    const short = '("text" "plain" NIL NIL NIL "7bit")';
    expect(failure(short)).toMatchObject({ rule: 'body-fields', offset: at(short, ')') });
    const noSubtype = '(("text" "plain" NIL NIL NIL "7bit" 1 1))';
    expect(failure(noSubtype)).toMatchObject({ rule: 'body-type-mpart', offset: at(noSubtype, '))') + 1 });
    const oddParams = '("text" "plain" ("a") NIL NIL "7bit" 1 1)';
    expect(failure(oddParams)).toMatchObject({ rule: 'body-fld-param', offset: at(oddParams, '")') + 1 });
    expect(failure('"text"')).toMatchObject({ rule: 'body', offset: at('"text"', '"') });
  });
});
