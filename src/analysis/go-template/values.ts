/**
 * The Go values a Flagger template computes with. Go's rules depend on the type, not just the
 * value (`eq 1 1.0` is an error, `printf "%d" 3.0` prints `%!d(float64=3)`), so each value keeps
 * its Go type: `int` (literals, `len`), `uint8` (a byte of a string from `index`), `float64`,
 * `string`, `bool`, and Flagger's `map[string]string` of template variables.
 */
export type GoValue =
  | { type: 'string'; value: string }
  | { type: 'int'; value: bigint }
  | { type: 'uint8'; value: number }
  | { type: 'float64'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'map'; value: Readonly<Record<string, string>> };

export const goString = (value: string): GoValue => ({ type: 'string', value });
export const goInt = (value: bigint | number): GoValue => ({ type: 'int', value: BigInt(value) });
export const goBool = (value: boolean): GoValue => ({ type: 'bool', value });

/** The name `reflect.Type.String()` gives, as `fmt` prints it in `%!verb(type=value)`. */
export function typeName(v: GoValue): string {
  return v.type === 'map' ? 'map[string]string' : v.type;
}

/** Go's `truth`: false for false, 0, "" and an empty map. */
export function truth(v: GoValue): boolean {
  switch (v.type) {
    case 'string':
      return v.value !== '';
    case 'int':
      return v.value !== 0n;
    case 'uint8':
    case 'float64':
      return v.value !== 0;
    case 'bool':
      return v.value;
    case 'map':
      return Object.keys(v.value).length > 0;
  }
}

/** Sorted keys, as `fmt` prints a map. */
export function mapKeys(map: Readonly<Record<string, string>>): string[] {
  return Object.keys(map).sort(compareBytes);
}

/** Go compares strings by their UTF-8 bytes. */
export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
