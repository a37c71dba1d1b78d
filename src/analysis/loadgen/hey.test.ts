import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatHey, parseHey, type LoadOptions } from './hey.js';
import { quoteWord, splitWords } from './words.js';

describe('parseHey', () => {
  it("reads the load tester's documented command line", () => {
    expect(parseHey('hey -z 1m -q 10 -c 2 http://podinfo-canary:9898/')).toEqual({
      url: 'http://podinfo-canary:9898/',
      method: 'GET',
      headers: [],
      concurrency: 2,
      ratePerWorker: 10,
      durationMs: 60_000,
      timeoutMs: 20_000,
    });
  });

  it('reads methods, headers, bodies, content type, timeouts and request counts', () => {
    const o = parseHey(
      `hey -n 100 -c 5 -m post -H "Cookie: canary=always" -H 'X-A: b c' -d '{"a": 1}' -T application/json -t 3 http://x:80/api?q=1`,
    );
    expect(o).toMatchObject({
      method: 'POST',
      requests: 100,
      concurrency: 5,
      body: '{"a": 1}',
      timeoutMs: 3000,
      headers: [
        ['Cookie', 'canary=always'],
        ['X-A', 'b c'],
        ['Content-Type', 'application/json'],
      ],
    });
    expect(o.durationMs).toBeUndefined();
  });

  it('defaults like hey: 200 requests, 50 workers, and -z wins over -n', () => {
    expect(parseHey('hey http://x/')).toMatchObject({ requests: 200, concurrency: 50 });
    const both = parseHey('hey -n 10 -z 5s -c 1 http://x/');
    expect(both.durationMs).toBe(5000);
    expect(both.requests).toBeUndefined();
    expect(parseHey('/usr/bin/hey -z=2s -c=1 http://x/')).toMatchObject({ durationMs: 2000, concurrency: 1 });
  });

  it.each([
    ['wrk -t2 http://x/', /only "hey" command lines are supported, got "wrk"/],
    ['hey -z 1m http://x/ | tee out', /shell syntax "\|"/],
    ['hey -z 1m http://x/ && curl y', /shell syntax "&"/],
    ['hey -z 1m http://$HOST/', /shell syntax "\$"/],
    ['hey -z 1m "http://$HOST/"', /shell expansion "\$"/],
    ['hey -z 1m `whoami`', /shell syntax "`"/],
    ['hey -D body.txt http://x/', /hey flag -D \(body from a file\) is not supported/],
    ['hey -disable-keepalive http://x/', /hey flag -disable-keepalive .* is not supported/],
    ['hey -y 2 http://x/', /unknown hey flag -y/],
    ['hey -z forever http://x/', /-z: expected a duration/],
    ['hey -c 0 http://x/', /-c: expected a whole number of 1 or more/],
    ['hey -n 10 -c 20 http://x/', /-n cannot be less than -c/],
    ['hey -z 1m', /expected the URL/],
    ['hey -z 1m ftp://x/', /expected an http\(s\) URL/],
    ['hey -z 1m http://x/ -c 2', /flag -c after the URL/],
    ['hey -H nocolon http://x/', /-H: expected "Name: value"/],
    ['hey -c', /flag -c needs a value/],
    ["hey -z 1m 'http://x/", /unterminated single quote/],
  ])('rejects %s', (line, message) => {
    expect(() => parseHey(line)).toThrow(message);
  });
});

const word = fc.string({ minLength: 0, maxLength: 12 });

describe('round trips', () => {
  it('splitWords reads back any quoted words', () => {
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 6 }), (words) => {
        expect(splitWords(words.map(quoteWord).join(' '))).toEqual(words);
      }),
    );
  });

  const token = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,10}$/);
  const options: fc.Arbitrary<LoadOptions> = fc
    .record({
      host: fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/),
      port: fc.integer({ min: 1, max: 65535 }),
      path: fc.stringMatching(/^[a-z0-9/._-]{0,12}$/),
      method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'),
      headers: fc.array(
        fc.tuple(
          token,
          fc.string({ maxLength: 10 }).map((s) => s.trim()),
        ),
        { maxLength: 3 },
      ),
      body: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
      concurrency: fc.integer({ min: 1, max: 100 }),
      rate: fc.option(fc.integer({ min: 1, max: 1000 }), { nil: undefined }),
      timing: fc.oneof(
        fc.record({ durationMs: fc.integer({ min: 1, max: 3_600_000 }) }),
        fc.record({ extra: fc.integer({ min: 0, max: 1000 }) }),
      ),
      timeoutSeconds: fc.integer({ min: 0, max: 120 }),
    })
    .map((r) => ({
      url: `http://${r.host}:${r.port}/${r.path}`,
      method: r.method,
      headers: r.headers.filter(([name]) => name.toLowerCase() !== 'content-type'),
      ...(r.body !== undefined ? { body: r.body } : {}),
      concurrency: r.concurrency,
      ...(r.rate !== undefined ? { ratePerWorker: r.rate } : {}),
      ...('durationMs' in r.timing
        ? { durationMs: r.timing.durationMs }
        : { requests: r.concurrency + r.timing.extra }),
      timeoutMs: r.timeoutSeconds * 1000,
    }));

  it('parseHey(formatHey(o)) is o', () => {
    fc.assert(
      fc.property(options, (o) => {
        expect(parseHey(formatHey(o))).toEqual(o);
      }),
    );
  });
});
