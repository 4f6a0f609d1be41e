import { describe, expect, it } from 'vitest';
import { parseMimeHeader } from '../../src/codec/mime-header.js';

const header = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'latin1'));

describe('parseMimeHeader', () => {
  it('reads a part header as BODY[n.MIME] gives it', () => {
    expect(parseMimeHeader(header('Content-Type: text/plain; charset=windows-1251\r\nContent-Transfer-Encoding: base64\r\n\r\n'))).toEqual({
      type: 'text',
      subtype: 'plain',
      params: { charset: 'windows-1251' },
      transferEncoding: 'base64',
    });
  });

  it('unfolds folded fields, skips comments, unquotes, lower-cases names, types and mechanisms', () => {
    const parsed = parseMimeHeader(
      header(
        'Received: from x\r\n\tby y\r\nCONTENT-TYPE: Text/HTML (the body);\r\n\tCharSet="ISO-8859-1" (latin);\r\n  format=flowed\r\n' +
          'content-transfer-encoding:\r\n Quoted-Printable (qp)\r\n\r\n',
      ),
    );
    expect(parsed).toEqual({ type: 'text', subtype: 'html', params: { charset: 'ISO-8859-1', format: 'flowed' }, transferEncoding: 'quoted-printable' });
  });

  it('reads LF-only headers and stops at the blank line', () => {
    expect(parseMimeHeader(header('Content-Type: image/png\n\nContent-Type: text/plain\n'))).toMatchObject({ type: 'image', subtype: 'png' });
  });

  it('keeps the first of repeated fields', () => {
    expect(parseMimeHeader(header('Content-Transfer-Encoding: base64\r\nContent-Transfer-Encoding: 8bit\r\n\r\n')).transferEncoding).toBe('base64');
  });

  it('undoes RFC 2231 continuations, charsets and percent escapes', () => {
    const parsed = parseMimeHeader(
      header(
        "Content-Type: application/octet-stream;\r\n name*1*=%D1%91%D1%82.txt; name*0*=utf-8'ru'%D0%BE%D1%82%D1%87;\r\n" +
          " title*=iso-8859-1'en'caf%E9; charset*=''windows-1251; x*0=\"a b\"; x*1=c\r\n\r\n",
      ),
    );
    expect(parsed.params).toEqual({ name: 'отчёт.txt', title: 'café', charset: 'windows-1251', x: 'a bc' });
  });

  it('prefers the extended value of a parameter given both ways', () => {
    const parsed = parseMimeHeader(header('Content-Type: text/plain; charset="us-ascii"; charset*=utf-8\'\'utf-8\r\n\r\n'));
    expect(parsed.params.charset).toBe('utf-8');
  });

  it('reads quoted pairs, 8-bit UTF-8 values, and skips parameters it cannot read', () => {
    const parsed = parseMimeHeader(
      Uint8Array.from(Buffer.from('Content-Type: text/plain; name="a \\"b\\".txt"; ;=x; broken; file="résumé.pdf"; charset=utf-8\r\n\r\n', 'utf8')),
    );
    expect(parsed.params).toEqual({ name: 'a "b".txt', file: 'résumé.pdf', charset: 'utf-8' });
  });

  it.each(['', 'Subject: no MIME here\r\n\r\n', 'Content-Type: garbage\r\n\r\n', 'Content-Type: text/\r\n\r\n'])(
    'is text/plain, 7bit, without a charset for %j',
    (text) => {
      expect(parseMimeHeader(header(text))).toEqual({ type: 'text', subtype: 'plain', params: {}, transferEncoding: '7bit' });
    },
  );
});
