/**
 * What the kubelet would serve for `pods/{name}/log`: each container's output, and the output of
 * its previous (terminated) instance. Answers with kube-apiserver's rules: `container` is required
 * when the pod has more than one, a container must exist, `previous=true` needs a terminated
 * instance, `tailLines` must be a non-negative integer; the body is plain text.
 */
import { badRequest, notFound } from './errors.js';
import { isObject, type JsonObject } from './json.js';

interface ContainerLogs {
  current: string[];
  previous: string[] | undefined;
}

const keyOf = (namespace: string, pod: string, container: string): string =>
  `${namespace}/${pod}/${container}`;

function containerNames(pod: JsonObject): string[] {
  const spec = isObject(pod.spec) ? pod.spec : {};
  const containers = Array.isArray(spec.containers) ? spec.containers : [];
  return containers.flatMap((c) => (isObject(c) && typeof c.name === 'string' ? [c.name] : []));
}

function parseTailLines(text: string | null): number | undefined {
  if (text === null) return undefined;
  if (!/^\d+$/.test(text)) throw badRequest(`tailLines: expected a non-negative integer, got "${text}"`);
  return Number(text);
}

export class PodLogs {
  private readonly logs = new Map<string, ContainerLogs>();

  /** Appends a line the container wrote. */
  write(namespace: string, pod: string, container: string, line: string): void {
    const entry = this.entry(namespace, pod, container);
    entry.current.push(line);
  }

  /** The container exited and was restarted: its output so far becomes the previous instance's. */
  restart(namespace: string, pod: string, container: string): void {
    const entry = this.entry(namespace, pod, container);
    entry.previous = entry.current;
    entry.current = [];
  }

  forget(namespace: string, pod: string): void {
    for (const key of [...this.logs.keys()])
      if (key.startsWith(`${namespace}/${pod}/`)) this.logs.delete(key);
  }

  /** The text `GET .../pods/{name}/log` answers for a stored pod, or the apiserver's error. */
  read(namespace: string, pod: JsonObject | undefined, name: string, query: URLSearchParams): string {
    if (!pod) throw notFound('pods', '', name);
    const names = containerNames(pod);
    const asked = query.get('container');
    if (asked === null && names.length > 1)
      throw badRequest(
        `a container name must be specified for pod ${name}, choose one of: [${names.join(' ')}]`,
      );
    const container = asked ?? names[0] ?? '';
    if (!names.includes(container)) throw badRequest(`container ${container} is not valid for pod ${name}`);
    const tail = parseTailLines(query.get('tailLines'));
    const entry = this.logs.get(keyOf(namespace, name, container));
    const previous = query.get('previous') === 'true';
    const lines = previous ? entry?.previous : (entry?.current ?? []);
    if (lines === undefined)
      throw badRequest(`previous terminated container "${container}" in pod "${name}" not found`);
    const shown = tail === undefined ? lines : tail === 0 ? [] : lines.slice(-tail);
    return shown.map((line) => `${line}\n`).join('');
  }

  private entry(namespace: string, pod: string, container: string): ContainerLogs {
    const key = keyOf(namespace, pod, container);
    let entry = this.logs.get(key);
    if (!entry) {
      entry = { current: [], previous: undefined };
      this.logs.set(key, entry);
    }
    return entry;
  }
}
