import { afterEach, describe, expect, it, vi } from 'vitest';
import { createCloudWatchProvider } from './cloudwatch.js';
import { parseMetricDataQueries } from './cloudwatch-query.js';

describe('CloudWatch queries, decoded as Go decodes them into the SDK structs', () => {
  it('matches keys to field names case-insensitively', () => {
    expect(parseMetricDataQueries('[{"id":"e1","EXPRESSION":"m1 * 2","returndata":true}]')).toEqual([
      { Id: 'e1', Expression: 'm1 * 2', ReturnData: true },
    ]);
  });

  it('refuses a key that names no field, where Go would drop it silently', () => {
    expect(() =>
      parseMetricDataQueries(
        '[{"Id":"m1","MetricStat":{"Metric":{"MetricName":"x"},"Period":60,"Stats":"Sum"}}]',
      ),
    ).toThrow(
      /query\[0\]\.MetricStat: "Stats" is not a MetricDataQuery field \(expected one of Metric, Period, Stat, Unit\)/,
    );
  });

  it('names the field of an invalid query', () => {
    expect(() => parseMetricDataQueries('{"Id":"e1"}')).toThrow(/expected a JSON array of MetricDataQuery/);
    expect(() => parseMetricDataQueries('[{"Id":"E1","Expression":"m1"}]')).toThrow(
      /query\[0\]\.Id: expected an id/,
    );
    expect(() => parseMetricDataQueries('[{"Id":"e1"}]')).toThrow(/exactly one of Expression and MetricStat/);
    expect(() =>
      parseMetricDataQueries('[{"Id":"m1","MetricStat":{"Metric":{},"Period":"60","Stat":"Sum"}}]'),
    ).toThrow(/query\[0\]\.MetricStat\.Period/);
    expect(() => parseMetricDataQueries('[]')).toThrow(/at least one MetricDataQuery/);
    expect(() => parseMetricDataQueries('[{"Id":')).toThrow(/expected a JSON array/);
  });
});

describe('CloudWatch provider setup', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('needs provider.region, as Flagger does', () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKID');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret');
    expect(() => createCloudWatchProvider({ spec: { type: 'cloudwatch' }, credentials: undefined })).toThrow(
      /provider\.region: cloudwatch needs the AWS region/,
    );
    expect(() =>
      createCloudWatchProvider({ spec: { type: 'cloudwatch', region: 'Europe' }, credentials: undefined }),
    ).toThrow(/got "Europe"/);
    expect(() =>
      createCloudWatchProvider({ spec: { type: 'cloudwatch', region: 'us-east-1' }, credentials: undefined }),
    ).not.toThrow();
  });

  it('without a Secret reads the environment, and says what is missing', () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', '');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', '');
    expect(() =>
      createCloudWatchProvider({ spec: { type: 'cloudwatch', region: 'us-east-1' }, credentials: undefined }),
    ).toThrow(/AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
  });
});
