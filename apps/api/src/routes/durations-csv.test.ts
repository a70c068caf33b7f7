import { describe, expect, it } from 'vitest';
import { csvField } from './durations-csv';

describe('CSV fields of the durations report', () => {
  it('neutralises every leading character a spreadsheet reads as a formula, tab and carriage return too', () => {
    for (const lead of ['=', '+', '-', '@', '\t']) {
      expect(csvField(`${lead}cmd|' /C calc'!A0`)).toBe(`'${lead}cmd|' /C calc'!A0`);
    }
    // A carriage return also needs quoting, after the neutralising quote mark.
    expect(csvField('\rcmd')).toBe(`"'\rcmd"`);
    expect(csvField('web-production')).toBe('web-production');
  });

  it('quotes fields holding a quote, comma or line break (RFC 4180)', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('\rx')).toBe(`"'\rx"`);
  });
});
