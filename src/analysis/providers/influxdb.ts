/**
 * InfluxDB's Flux query API (`POST /api/v2/query?org=<org>`), as Flagger queries it through the
 * InfluxDB 2 Go client: the query as JSON with `type: flux` and the annotated-CSV dialect the
 * client asks for, `Authorization: Token <token>`, the token and organisation from the Secret
 * (`token`, `org`; both required when a Secret is referenced), and a 15 s timeout. The value is
 * `_value` of the first record.
 *
 * Flagger returns 0 for an answer with no records and refuses a `long` value (what `count()`
 * yields) as an invalid response; Serin reports no records as no data (unknown, as every provider
 * does) and reads `double`, `long` and `unsignedLong` alike. An empty `_value` is no data in both.
 */
import { fluxRecords } from './influx-csv.js';
import { endpoint, providerAddress, ProviderError, ProviderHttp, requiredCredential } from './http.js';
import { excerpt, redactUrl } from '../redact.js';
import { NoDataError, type MetricProvider, type ProviderFactory } from './types.js';
import { timeoutMs } from './window.js';

/** The Go client's query timeout in Flagger. */
const INFLUX_TIMEOUT_MS = 15_000;
const NUMERIC_TYPES = new Set(['double', 'long', 'unsignedLong']);
const DIALECT = { annotations: ['datatype', 'group', 'default'], delimiter: ',', header: true };

function fluxValue(text: string, query: string): number {
  const [first] = fluxRecords(text);
  if (first === undefined) throw new NoDataError(`no values found for query "${query}"`);
  const raw = first.values._value;
  if (raw === undefined) throw new ProviderError('influxdb answered records without a _value column');
  if (raw === '') throw new NoDataError(`no values found for query "${query}" (_value is empty)`);
  const type = first.types._value ?? 'string';
  if (!NUMERIC_TYPES.has(type)) {
    throw new ProviderError(
      `influxdb answered a _value of type ${type}; expected double, long or unsignedLong`,
    );
  }
  const value = Number(raw);
  if (Number.isNaN(value) && raw !== 'NaN')
    throw new ProviderError(`influxdb answered _value "${excerpt(raw, 40)}"; expected a number`);
  if (Number.isNaN(value)) throw new NoDataError(`query "${query}" returned NaN`);
  return value;
}

export const createInfluxDbProvider: ProviderFactory = ({ spec, credentials }) => {
  const base = providerAddress('influxdb', spec.address);
  const withSecret = spec.secretRef !== undefined || spec.secretFile !== undefined;
  const token = withSecret ? requiredCredential('influxdb', credentials, 'token') : undefined;
  const org = withSecret ? requiredCredential('influxdb', credentials, 'org') : undefined;
  const http = new ProviderHttp('influxdb', {
    ...spec,
    timeoutMs: timeoutMs(spec.timeout) ?? INFLUX_TIMEOUT_MS,
  });
  const provider: MetricProvider = {
    type: 'influxdb',
    async queryValue(query) {
      const url = endpoint(base, '/api/v2/query', org === undefined ? {} : { org });
      const { status, text } = await http.send(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'text/csv',
          ...(token !== undefined ? { authorization: `Token ${token}` } : {}),
        },
        body: JSON.stringify({ query, type: 'flux', dialect: DIALECT }),
      });
      if (status < 200 || status >= 300) {
        throw new ProviderError(
          `influxdb at ${redactUrl(url.toString())} answered HTTP ${String(status)}: ${excerpt(text, 200)}`,
        );
      }
      return fluxValue(text, query);
    },
    close: () => http.close(),
  };
  return provider;
};
