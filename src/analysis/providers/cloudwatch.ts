/**
 * Amazon CloudWatch `GetMetricData`, as Flagger queries it: the query is a JSON array of
 * MetricDataQuery objects (`cloudwatch-query.ts`), the window is ten metric intervals ending now,
 * at most 20 datapoints, and the value is the first value of the first result (CloudWatch returns
 * the newest first). No result, or a result without values, is no data.
 *
 * `provider.region` is required, as in Flagger; the endpoint is `https://monitoring.<region>.amazonaws.com`
 * unless `address` names another (a VPC endpoint). The request uses CloudWatch's AWS JSON 1.0
 * protocol, signed with SigV4 (`aws-sigv4.ts`) for the service `monitoring`.
 *
 * Credentials: Flagger uses the AWS SDK's default chain. Serin reads the Secret's
 * `aws_access_key_id`, `aws_secret_access_key` and optional `aws_session_token` when a Secret is
 * referenced, else the first link of that chain, the environment variables `AWS_ACCESS_KEY_ID`,
 * `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`. The chain's other links (shared files, web
 * identity, instance metadata) are not read: without credentials the provider says so.
 */
import { z } from 'zod';
import { parseAnswer } from './answer.js';
import { signRequest, type AwsCredentials } from './aws-sigv4.js';
import { parseMetricDataQueries } from './cloudwatch-query.js';
import {
  DEFAULT_PROVIDER_TIMEOUT_MS,
  endpoint,
  providerAddress,
  ProviderError,
  ProviderHttp,
  requiredCredential,
} from './http.js';
import { NoDataError, type MetricProvider, type ProviderFactory } from './types.js';
import { intervalMs, timeoutMs } from './window.js';
import { withThrottlingRetries } from './aws-retry.js';

const WINDOW_INTERVALS = 10;
const MAX_DATAPOINTS = 20;
const TARGET = 'GraniteServiceVersion20100801.GetMetricData';

const Response = z.object({
  MetricDataResults: z
    .array(
      z.object({
        Id: z.string().optional(),
        StatusCode: z.string().optional(),
        Values: z.array(z.number()).default([]),
      }),
    )
    .default([]),
});

function awsCredentials(
  credentials: Readonly<Record<string, string>> | undefined,
  fromSecret: boolean,
): AwsCredentials {
  if (fromSecret) {
    const token = credentials?.aws_session_token;
    return {
      accessKeyId: requiredCredential('cloudwatch', credentials, 'aws_access_key_id'),
      secretAccessKey: requiredCredential('cloudwatch', credentials, 'aws_secret_access_key'),
      ...(token !== undefined && token !== '' ? { sessionToken: token } : {}),
    };
  }
  const { AWS_ACCESS_KEY_ID: id, AWS_SECRET_ACCESS_KEY: secret, AWS_SESSION_TOKEN: token } = process.env;
  if (id === undefined || id === '' || secret === undefined || secret === '') {
    throw new ProviderError(
      'provider.secretRef: cloudwatch needs AWS credentials: a Secret with aws_access_key_id and aws_secret_access_key, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment',
    );
  }
  return {
    accessKeyId: id,
    secretAccessKey: secret,
    ...(token !== undefined && token !== '' ? { sessionToken: token } : {}),
  };
}

export const createCloudWatchProvider: ProviderFactory = ({ spec, credentials, interval }) => {
  const region = spec.region ?? '';
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
    throw new ProviderError(
      `provider.region: cloudwatch needs the AWS region, e.g. us-east-1${region === '' ? '' : `, got "${region}"`}`,
    );
  }
  const base = providerAddress('cloudwatch', spec.address, `https://monitoring.${region}.amazonaws.com`);
  const aws = awsCredentials(
    credentials,
    spec.secretRef !== undefined || spec.secretFile !== undefined || credentials !== undefined,
  );
  const windowMs = WINDOW_INTERVALS * intervalMs('cloudwatch', interval);
  const queryTimeoutMs = timeoutMs(spec.timeout);
  const http = new ProviderHttp('cloudwatch', { ...spec, timeoutMs: queryTimeoutMs });
  const provider: MetricProvider = {
    type: 'cloudwatch',
    async queryValue(query, time) {
      const queries = parseMetricDataQueries(query);
      const end = time ?? new Date();
      const body = JSON.stringify({
        MetricDataQueries: queries,
        StartTime: Math.floor((end.getTime() - windowMs) / 1000),
        EndTime: Math.floor(end.getTime() / 1000),
        MaxDatapoints: MAX_DATAPOINTS,
      });
      const url = endpoint(base, '/');
      const headers = {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': TARGET,
      };
      // Each attempt is signed afresh: a signature's date must be near the time it is sent.
      const answer = await withThrottlingRetries(queryTimeoutMs ?? DEFAULT_PROVIDER_TIMEOUT_MS, () => {
        const signed = signRequest(
          { method: 'POST', url, headers, body },
          aws,
          { region, service: 'monitoring' },
          new Date(),
        );
        return http.json(url, { method: 'POST', headers: { ...headers, ...signed.headers }, body });
      });
      const results = parseAnswer(
        'cloudwatch',
        'a GetMetricData response',
        Response,
        answer,
      ).MetricDataResults;
      const value = results[0]?.Values[0];
      if (value === undefined) throw new NoDataError(`no values found for query ${queries[0]?.Id ?? ''}`);
      return value;
    },
    close: () => http.close(),
  };
  return provider;
};
