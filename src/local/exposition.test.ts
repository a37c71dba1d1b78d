import { describe, expect, it } from 'vitest';
import { mergeDuplicateSeries } from './exposition.js';

describe('mergeDuplicateSeries', () => {
  it('sums repeated series and keeps everything else in order', () => {
    const text = [
      '# HELP istio_requests_total Requests.',
      '# TYPE istio_requests_total counter',
      'istio_requests_total{reporter="destination",destination_workload="web"} 580',
      'istio_requests_total{reporter="source",destination_workload="web"} 3',
      'istio_requests_total{reporter="destination",destination_workload="web"} 7',
      '# HELP istio_request_duration_milliseconds Duration.',
      'istio_request_duration_milliseconds_bucket{le="+Inf",destination_workload="web"} 2',
      'istio_request_duration_milliseconds_bucket{le="+Inf",destination_workload="web"} 5',
      '',
    ].join('\n');
    expect(mergeDuplicateSeries(text)).toBe(
      [
        '# HELP istio_requests_total Requests.',
        '# TYPE istio_requests_total counter',
        'istio_requests_total{reporter="destination",destination_workload="web"} 587',
        'istio_requests_total{reporter="source",destination_workload="web"} 3',
        '# HELP istio_request_duration_milliseconds Duration.',
        'istio_request_duration_milliseconds_bucket{le="+Inf",destination_workload="web"} 7',
        '',
      ].join('\n'),
    );
  });
});
