// A small RFC 4180 CSV reader: quoted fields (commas, doubled quotes and line
// breaks inside), CRLF or LF records, and each record's line number in the file.

import { SmallworldRangeError } from '@smallworld/hnsw';

/** One record of a CSV text. */
export interface CsvRecord {
  /** The fields, unquoted. */
  cells: string[];
  /** The line of the file (1-based) the record starts on, blank lines counted. */
  line: number;
}

/**
 * Splits `text` into records and fields as RFC 4180 says: fields separated by
 * commas, records by CRLF (LF and a lone CR are accepted too), a field in
 * double quotes may hold commas, line breaks and `""` (one quote). Blank lines
 * are skipped but counted, so `line` is the line an editor shows. A leading
 * byte-order mark is dropped. Spaces around unquoted fields are kept, as the
 * RFC says. Throws `SmallworldRangeError` (INVALID_ARGUMENT) naming `source`
 * and the line of an unterminated quoted field or of a quote inside an
 * unquoted one.
 */
export function parseCsv(text: string, source = 'CSV'): CsvRecord[] {
  const records: CsvRecord[] = [];
  let line = 1;
  let at = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (at < text.length) {
    // A blank line: no record.
    const breakLength = lineBreakAt(text, at);
    if (breakLength > 0) {
      at += breakLength;
      line++;
      continue;
    }
    const start = line;
    const cells: string[] = [];
    for (;;) {
      let cell = '';
      if (text[at] === '"') {
        const opened = line;
        at++;
        for (;;) {
          if (at >= text.length) throw new SmallworldRangeError('INVALID_ARGUMENT', `${source} line ${opened}: a quoted field is never closed`);
          const c = text[at]!;
          if (c === '"') {
            if (text[at + 1] === '"') {
              cell += '"';
              at += 2;
              continue;
            }
            at++;
            break;
          }
          const inner = lineBreakAt(text, at);
          if (inner > 0) line++;
          cell += text.slice(at, at + Math.max(inner, 1));
          at += Math.max(inner, 1);
        }
        if (at < text.length && text[at] !== ',' && lineBreakAt(text, at) === 0) {
          throw new SmallworldRangeError('INVALID_ARGUMENT', `${source} line ${line}: text after a closing quote (write a quote inside a quoted field as "")`);
        }
      } else {
        while (at < text.length && text[at] !== ',' && lineBreakAt(text, at) === 0) {
          if (text[at] === '"') {
            throw new SmallworldRangeError('INVALID_ARGUMENT', `${source} line ${line}: a quote inside an unquoted field (quote the whole field and double the quote)`);
          }
          cell += text[at++];
        }
      }
      cells.push(cell);
      if (text[at] === ',') {
        at++;
        continue;
      }
      at += lineBreakAt(text, at);
      line++;
      break;
    }
    records.push({ cells, line: start });
  }
  return records;
}

/** Length of the line break at `at` (2 for CRLF, 1 for LF or CR, 0 for none). */
function lineBreakAt(text: string, at: number): number {
  const c = text.charCodeAt(at);
  if (c === 13) return text.charCodeAt(at + 1) === 10 ? 2 : 1;
  return c === 10 ? 1 : 0;
}
