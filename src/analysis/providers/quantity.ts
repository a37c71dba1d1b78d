/**
 * A Kubernetes `resource.Quantity` as a float (what client-go's `AsApproximateFloat64` gives):
 * `<sign><digits>[.<digits>]<suffix>`, the suffix binary (`Ki` … `Ei`), decimal (`n`, `u`, `m`,
 * ``, `k`, `M`, `G`, `T`, `P`, `E`) or an exponent (`e3`, `E-2`). The external metrics API writes
 * every value this way (`1500m`, `2k`).
 */
import { ProviderError } from './http.js';

const BINARY: Readonly<Record<string, number>> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL: Readonly<Record<string, number>> = {
  n: -9,
  u: -6,
  m: -3,
  '': 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei)|([eE][+-]?\d+)|(n|u|m|k|M|G|T|P|E)?)$/;

export function quantityValue(text: string, where: string): number {
  const match = QUANTITY.exec(text);
  if (!match)
    throw new ProviderError(
      `${where}: "${text}" is not a Kubernetes quantity (expected e.g. 42, 1500m, 2k, 1Ki)`,
    );
  const [, sign, digits, binary, exponent, decimal] = match;
  const magnitude = Number(digits);
  let value: number;
  if (binary !== undefined) value = magnitude * (BINARY[binary] ?? 1);
  else if (exponent !== undefined) value = Number(`${digits ?? ''}${exponent}`);
  else value = Number(`${digits ?? ''}e${String(DECIMAL[decimal ?? ''] ?? 0)}`);
  return sign === '-' ? -value : value;
}
