/**
 * The scripted transport of `rximap/testing`, on its own: how it splits what the client writes
 * into the lines its `respond` sees.
 */
import { describe, expect, it } from 'vitest';
import { ScriptedTransport } from '../../src/testing/scripted-transport.js';

describe('ScriptedTransport', () => {
  it('hands respond whole lines, and writtenText the whole text, however the writes split them', () => {
    const lines: string[] = [];
    const transport = new ScriptedTransport({ respond: (line) => void lines.push(line) });
    const bytes = new TextEncoder().encode('A1 SELECT Grüße\r\nA2 NOOP\r\n');
    const split = bytes.indexOf(0xc3) + 1; // inside the ü
    for (const chunk of [bytes.subarray(0, split), bytes.subarray(split, split + 10), bytes.subarray(split + 10)]) transport.write(chunk);
    expect(lines).toEqual(['A1 SELECT Grüße', 'A2 NOOP']);
    expect(transport.writtenText).toBe('A1 SELECT Grüße\r\nA2 NOOP\r\n');
  });
});
