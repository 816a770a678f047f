// The CSV reader (RFC 4180) and the pairs file on top of it: no model needed.

import { describe, expect, it } from 'vitest';
import { SmallworldRangeError } from '@smallworld/hnsw';
import { parseCsv } from '../src/csv.js';
import { parsePairs } from '../src/pairs.js';

describe('parseCsv', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks; CRLF, LF and CR records', () => {
    const text = 'a,"b,c","say ""hi"""\r\n"multi\r\nline",,x\n"",y\rlast';
    expect(parseCsv(text)).toEqual([
      { cells: ['a', 'b,c', 'say "hi"'], line: 1 },
      { cells: ['multi\r\nline', '', 'x'], line: 2 },
      { cells: ['', 'y'], line: 4 },
      { cells: ['last'], line: 5 },
    ]);
  });

  it('skips blank lines but counts them, drops a byte-order mark, keeps spaces and trailing empty fields', () => {
    expect(parseCsv('\uFEFFh1,h2\r\n\r\n\r\n a , b,\n\n')).toEqual([
      { cells: ['h1', 'h2'], line: 1 },
      { cells: [' a ', ' b', ''], line: 4 },
    ]);
    expect(parseCsv('')).toEqual([]);
  });

  it('names the source and the line of an unclosed quote or a stray one', () => {
    expect(() => parseCsv('a\n\n"open,b\nc', 'x.csv')).toThrow(/^x\.csv line 3: a quoted field is never closed$/);
    expect(() => parseCsv('a\nb"c', 'x.csv')).toThrow(/x\.csv line 2: a quote inside an unquoted field/);
    expect(() => parseCsv('"a"b', 'x.csv')).toThrow(SmallworldRangeError);
    expect(() => parseCsv('"a\nb"c', 'x.csv')).toThrow(/x\.csv line 2: text after a closing quote/);
  });
});

describe('parsePairs', () => {
  it('accepts quoted file names with commas and quotes, in any column order', () => {
    const pairs = parsePairs('Decision,file_y,file_x\r\nYes,"Smith, John.jpg","the ""best"" one.jpg"\r\n');
    expect(pairs).toEqual([{ fileX: 'the "best" one.jpg', fileY: 'Smith, John.jpg', same: true }]);
  });

  it('reports the line an editor shows, blank lines included', () => {
    const text = 'file_x,file_y,Decision\n\na.jpg,b.jpg,Yes\n\n\nc.jpg,d.jpg,Maybe\n';
    expect(() => parsePairs(text, 'pairs.csv')).toThrow(/^pairs\.csv line 6: expected file_x,file_y,Yes\|No \(got "c\.jpg,d\.jpg,Maybe"\)$/);
    expect(() => parsePairs('file_x,file_y,Decision\na.jpg,,Yes')).toThrow(/line 2/);
    expect(() => parsePairs('a,b\nx,y')).toThrow(/file_x,file_y,Decision/);
  });
});
