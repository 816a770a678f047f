// Header fields declared once: a table of name -> (byte offset, type, check)
// that a format's encoder writes from and its decoder reads and checks from,
// so no offset is written twice. Little-endian, as every smallworld file.

/** How a field is stored: unsigned/signed 32-bit, unsigned 64-bit (a safe integer when read), byte, float64. */
export type FieldType = 'u8' | 'u32' | 'i32' | 'u64' | 'f64';

/** One header field. */
export interface HeaderField<Name extends string = string> {
  /** Byte offset from the start of its table (the header, or one section-table entry). */
  at: number;
  type: FieldType;
  /**
   * What is wrong with `value`, given the fields declared before it (read
   * already), or undefined when it is valid. Runs in declaration order.
   */
  check?: (value: number, before: Readonly<Record<Name, number>>) => string | undefined;
}

/** A header (or a repeated record of one) as an ordered table of fields. */
export type HeaderTable<Name extends string> = { readonly [K in Name]: HeaderField<Name> };

/** Reads one field at `base + field.at`. A u64 beyond 2^53 reads as an unsafe (inexact) number: check it. */
export function readField<Name extends string>(view: DataView, base: number, field: HeaderField<Name>): number {
  const at = base + field.at;
  switch (field.type) {
    case 'u8': return view.getUint8(at);
    case 'u32': return view.getUint32(at, true);
    case 'i32': return view.getInt32(at, true);
    case 'u64': return Number(view.getBigUint64(at, true));
    case 'f64': return view.getFloat64(at, true);
  }
}

/** Writes one field at `base + field.at`. */
export function writeField<Name extends string>(view: DataView, base: number, field: HeaderField<Name>, value: number): void {
  const at = base + field.at;
  switch (field.type) {
    case 'u8': view.setUint8(at, value); break;
    case 'u32': view.setUint32(at, value, true); break;
    case 'i32': view.setInt32(at, value, true); break;
    case 'u64': view.setBigUint64(at, BigInt(value), true); break;
    case 'f64': view.setFloat64(at, value, true); break;
  }
}

/**
 * Reads every field of `table` at `base`, in declaration order, running
 * each field's check; the first problem goes to `fail` (which throws).
 */
export function readFields<Name extends string>(
  view: DataView, base: number, table: HeaderTable<Name>, fail: (problem: string) => never,
): Record<Name, number> {
  const values = {} as Record<Name, number>;
  for (const name of Object.keys(table) as Name[]) {
    const field = table[name];
    const value = readField(view, base, field);
    const problem = field.check?.(value, values);
    if (problem !== undefined) fail(problem);
    values[name] = value;
  }
  return values;
}

/** Writes every field of `table` at `base` from `values`. */
export function writeFields<Name extends string>(
  view: DataView, base: number, table: HeaderTable<Name>, values: Readonly<Record<Name, number>>,
): void {
  for (const name of Object.keys(table) as Name[]) writeField(view, base, table[name], values[name]);
}
