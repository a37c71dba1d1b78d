/**
 * An in-memory {@link DashboardBackend}: the platform pushes what happens into it (statuses,
 * metric samples, events, routing objects) and it answers the dashboard. Local mode uses it as its
 * backend; tests drive it to simulate rollouts.
 */
import { randomUUID } from 'node:crypto';
import type { Canary, CanaryStatus } from '../api/canary.js';
import type { ControlCommand } from '../engine/ports.js';
import {
  describeAction,
  judgeViewOf,
  runViewOf,
  summaryOf,
  webhookStatesOf,
  type ActionResult,
  type CanaryChange,
  type CanaryDetail,
  type CanaryRef,
  type CanarySummary,
  type DashboardBackend,
  type DashboardEvent,
  type GateAction,
  type HistoryPoint,
  type MetricsSample,
  type Platform,
  type RoutingObject,
  type Side,
  type SideView,
  NO_SIDES,
} from './backend.js';

/** What the platform does with an action: a control command for the engine, or a gate change. */
export type ActionHandler = (
  ref: CanaryRef,
  command: ControlCommand | (GateAction & { by: string }),
) => Promise<ActionResult> | ActionResult;

/** Reads each side's version and log tail from the platform when a detail is asked for. */
export type SidesProvider = (ref: CanaryRef) => Record<Side, SideView> | undefined;

/** Reads whether each gate-type hook's gate is open from the platform's gate store. */
export type GatesProvider = (canary: Canary) => Promise<ReadonlyMap<string, boolean>>;

export interface MemoryBackendOptions {
  /** Gate states read back from the platform; without it, the states recorded with `setGate`. */
  gates?: GatesProvider;
  /** Each side's version and log tail (local mode reads its processes). */
  sides?: SidesProvider;
  platform?: Platform;
  /** Applies actions. Without one, actions are refused with a message saying so. */
  onAction?: ActionHandler;
  /** Points kept per Canary (oldest dropped first). */
  historyLimit?: number;
  /** Events kept per Canary (oldest dropped first). */
  eventLimit?: number;
  now?: () => Date;
}

export interface MemoryBackend extends DashboardBackend {
  /** Adds or replaces a Canary (spec and status as they are now). */
  upsert(canary: Canary): void;
  /** Stores a new status for a Canary and appends one history point with the metrics it was judged on. */
  record(canary: Canary, status: CanaryStatus, sample?: MetricsSample): void;
  /** Appends an event (a decision, a warning, an action with who did it). */
  event(ref: CanaryRef, event: Omit<DashboardEvent, 'time'> & { time?: string }): void;
  /** Replaces the routing objects shown for a Canary. */
  setRouting(ref: CanaryRef, objects: RoutingObject[]): void;
  /** Records whether a gate is open. */
  setGate(ref: CanaryRef, gate: string, open: boolean): void;
  remove(ref: CanaryRef): void;
  /** Installs or replaces the action handler (local mode sets it once its engine runs). */
  setActionHandler(handler: ActionHandler | undefined): void;
  setSidesProvider(provider: SidesProvider | undefined): void;
}

interface Entry {
  canary: Canary;
  history: HistoryPoint[];
  events: DashboardEvent[];
  routing: RoutingObject[];
  gates: Map<string, boolean>;
}

const keyOf = (ref: CanaryRef): string => `${ref.namespace}/${ref.name}`;

function refOf(canary: Canary): CanaryRef {
  return { namespace: canary.metadata.namespace ?? 'default', name: canary.metadata.name };
}

function pushCapped<T>(list: T[], item: T, limit: number): void {
  list.push(item);
  if (list.length > limit) list.splice(0, list.length - limit);
}

function detailOf(
  entry: Entry,
  now: Date,
  sides: SidesProvider | undefined,
  gates: ReadonlyMap<string, boolean>,
): CanaryDetail {
  const { canary } = entry;
  const status = canary.status ?? {};
  return {
    ...summaryOf(canary, now),
    sides: sides?.(refOf(canary)) ?? NO_SIDES,
    spec: canary.spec,
    status,
    ...runViewOf(status),
    decisions: status.decisions ?? [],
    conditions: status.conditions ?? [],
    judge: judgeViewOf(status),
    webhooks: webhookStatesOf(canary, gates),
    events: [...entry.events],
    routing: [...entry.routing],
  };
}

function historyPointOf(time: Date, status: CanaryStatus, sample: MetricsSample | undefined): HistoryPoint {
  return {
    time: time.toISOString(),
    ...(status.runStartedAt !== undefined ? { run: status.runStartedAt } : {}),
    canaryWeight: status.canaryWeight ?? 0,
    phase: status.phase ?? 'Unknown',
    canary: sample?.canary ?? {},
    primary: sample?.primary ?? {},
  };
}

export function createMemoryBackend(options: MemoryBackendOptions = {}): MemoryBackend {
  const entries = new Map<string, Entry>();
  const listeners = new Set<(change: CanaryChange) => void>();
  const historyLimit = options.historyLimit ?? 2000;
  const eventLimit = options.eventLimit ?? 500;
  const now = options.now ?? (() => new Date());
  let handler = options.onAction;
  let sides = options.sides;

  const notify = (ref: CanaryRef): void => {
    for (const listener of [...listeners]) {
      try {
        listener({ namespace: ref.namespace, name: ref.name });
      } catch {
        // One broken subscriber must not stop the others from hearing about the change.
      }
    }
  };

  const entryFor = (canary: Canary): Entry => {
    const key = keyOf(refOf(canary));
    let entry = entries.get(key);
    if (!entry) {
      entry = { canary, history: [], events: [], routing: [], gates: new Map() };
      entries.set(key, entry);
    }
    return entry;
  };

  const addEvent = (ref: CanaryRef, event: Omit<DashboardEvent, 'time'> & { time?: string }): void => {
    const entry = entries.get(keyOf(ref));
    if (!entry) return;
    pushCapped(entry.events, { ...event, time: event.time ?? now().toISOString() }, eventLimit);
    notify(ref);
  };

  const act = async (
    namespace: string,
    name: string,
    action: Parameters<DashboardBackend['act']>[2],
    by: string,
    reason?: string,
  ): Promise<ActionResult> => {
    const ref = { namespace, name };
    if (!entries.has(keyOf(ref)))
      return { accepted: false, message: `canary ${namespace}/${name} not found` };
    const command =
      action.type === 'gate'
        ? { ...action, by }
        : { id: randomUUID(), action, by, ...(reason !== undefined ? { reason } : {}) };
    const what = describeAction(action);
    addEvent(ref, { type: 'Normal', reason: 'ActionRequested', message: `${what} requested by ${by}`, by });
    let result: ActionResult;
    try {
      result = handler
        ? await handler(ref, command)
        : { accepted: false, message: 'this platform does not accept actions' };
    } catch (error) {
      result = { accepted: false, message: error instanceof Error ? error.message : String(error) };
    }
    if (result.accepted && 'id' in command) result = { ...result, command: command.id };
    addEvent(ref, {
      type: result.accepted ? 'Normal' : 'Warning',
      reason: result.accepted ? 'ActionAccepted' : 'ActionRefused',
      message: `${what}: ${result.message}`,
      by,
    });
    return result;
  };

  return {
    platform: options.platform ?? 'local',
    list: () => Promise.resolve([...entries.values()].map((e): CanarySummary => summaryOf(e.canary, now()))),
    get: async (namespace, name) => {
      const entry = entries.get(keyOf({ namespace, name }));
      if (!entry) return undefined;
      const gates = options.gates ? await options.gates(entry.canary) : entry.gates;
      return detailOf(entry, now(), sides, gates);
    },
    history: (namespace, name) =>
      Promise.resolve([...(entries.get(keyOf({ namespace, name }))?.history ?? [])]),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    act,
    upsert(canary) {
      entryFor(canary).canary = canary;
      notify(refOf(canary));
    },
    record(canary, status, sample) {
      const entry = entryFor(canary);
      entry.canary = { ...canary, status };
      pushCapped(entry.history, historyPointOf(now(), status, sample), historyLimit);
      notify(refOf(canary));
    },
    event: addEvent,
    setRouting(ref, objects) {
      const entry = entries.get(keyOf(ref));
      if (!entry) return;
      entry.routing = [...objects];
      notify(ref);
    },
    setGate(ref, gate, open) {
      const entry = entries.get(keyOf(ref));
      if (!entry) return;
      entry.gates.set(gate, open);
      notify(ref);
    },
    remove(ref) {
      if (entries.delete(keyOf(ref))) notify(ref);
    },
    setActionHandler(next) {
      handler = next;
    },
    setSidesProvider(next) {
      sides = next;
    },
  };
}
