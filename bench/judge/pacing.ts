/**
 * bench/judge, pacing: a burst of control commands (pause/resume pairs, each waking the engine at
 * once, as both platforms do) inside every analysis interval. Reports steps taken per interval of
 * evidence: pacing holds it at one or below, however many commands arrive. (Below one: a step
 * that falls due while paused waits for the resume, and the periodic tick here comes only at
 * interval boundaries, not at the evidence due time the platforms' scheduler also wakes at.)
 *
 *   npx tsx bench/judge/pacing.ts [--runs 200] [--seed 1]
 */
import { parseArgs } from 'node:util';
import { Random } from '../../src/analysis/judge/sim/random.js';
import { makeCanary } from '../../src/engine/testing/fixtures.js';
import { MemoryWorld } from '../../src/engine/testing/memory-world.js';

const INTERVAL_MS = 60_000;
const INTERVALS = 8;
const BURSTS = [0, 2, 10, 50];

async function run(rng: Random, burst: number): Promise<{ steps: number; intervals: number }> {
  const world = new MemoryWorld(makeCanary({ stepWeight: 5, maxWeight: 100 }));
  await world.tick();
  world.deploy('rev-2');
  await world.tick();
  const start = world.now.getTime();
  let steps = 0;
  let id = 0;
  for (let i = 0; i < INTERVALS; i++) {
    const instants = Array.from({ length: burst }, () => rng.uniform() * INTERVAL_MS).sort((a, b) => a - b);
    let elapsed = 0;
    for (const at of instants) {
      world.wait(at - elapsed);
      elapsed = at;
      const type = id % 2 === 0 ? 'pause' : 'resume';
      const result = await world.tickNow([{ id: `c${id++}`, action: { type } }]);
      steps += result.decisions.filter((d) => d.action === 'Advance').length;
    }
    world.wait(INTERVAL_MS - elapsed);
    if (id % 2 === 1) await world.tickNow([{ id: `c${id++}`, action: { type: 'resume' } }]);
    const result = await world.tickNow();
    steps += result.decisions.filter((d) => d.action === 'Advance').length;
  }
  return { steps, intervals: (world.now.getTime() - start) / INTERVAL_MS };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { runs: { type: 'string', default: '200' }, seed: { type: 'string', default: '1' } },
  });
  const runs = Number(values.runs);
  const seed = Number(values.seed);
  if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(seed)) {
    console.error('usage: npx tsx bench/judge/pacing.ts [--runs N] [--seed S]');
    process.exit(2);
  }
  console.log(
    `bench/judge pacing: stepWeight 5, interval 1m, ${INTERVALS} intervals, ${runs} runs per row, seed ${seed}.\n`,
  );
  console.log('commands per interval | steps per interval of evidence (mean, max over runs)');
  for (const burst of BURSTS) {
    const rng = new Random(seed * 100 + burst);
    const rates: number[] = [];
    for (let r = 0; r < runs; r++) {
      const { steps, intervals } = await run(rng, burst);
      rates.push(steps / intervals);
    }
    const mean = rates.reduce((a, b) => a + b, 0) / rates.length;
    console.log(`${String(burst).padEnd(21)} | ${mean.toFixed(2)}, ${Math.max(...rates).toFixed(2)}`);
  }
}

await main();
