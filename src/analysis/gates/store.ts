/**
 * Gates persisted in one JSON file, written atomically (temporary file + rename), so a restart
 * keeps them and a crash never leaves a half-written file. The file is re-read on every operation:
 * it is small, and another process (the CLI, a second server) may have changed it.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';

export type GateKind = 'gate' | 'rollback';

export interface GateState {
  kind: GateKind;
  namespace: string;
  name: string;
  open: boolean;
  updatedAt: string;
  /** Who changed it last, when known. */
  by?: string | undefined;
}

export interface GateStore {
  isOpen(kind: GateKind, namespace: string, name: string): Promise<boolean>;
  set(kind: GateKind, namespace: string, name: string, open: boolean, by?: string): Promise<GateState>;
  list(): Promise<GateState[]>;
}

const GateFile = z.object({
  version: z.literal(1),
  gates: z.array(
    z.object({
      kind: z.enum(['gate', 'rollback']),
      namespace: z.string(),
      name: z.string(),
      open: z.boolean(),
      updatedAt: z.string(),
      by: z.string().optional(),
    }),
  ),
});

export const GATE_FILE_NAME = 'gates.json';

export class FileGateStore implements GateStore {
  private queue: Promise<unknown> = Promise.resolve();
  readonly path: string;

  constructor(stateDir: string) {
    this.path = join(stateDir, GATE_FILE_NAME);
  }

  private async read(): Promise<GateState[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new Error(`${this.path}: not valid JSON (${(error as Error).message}); fix or remove the file`, {
        cause: error,
      });
    }
    const parsed = GateFile.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(
        `${this.path}: at ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}; fix or remove the file`,
      );
    }
    return parsed.data.gates;
  }

  private async write(gates: GateState[]): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const temporary = `${this.path}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(temporary, `${JSON.stringify({ version: 1, gates }, null, 2)}\n`, {
      mode: 0o600,
      flush: true,
    });
    await rename(temporary, this.path);
  }

  async isOpen(kind: GateKind, namespace: string, name: string): Promise<boolean> {
    const gates = await this.read();
    return gates.some((g) => g.kind === kind && g.namespace === namespace && g.name === name && g.open);
  }

  set(kind: GateKind, namespace: string, name: string, open: boolean, by?: string): Promise<GateState> {
    // Writes are serialised so two requests at once never lose one another's change.
    const next = this.queue.then(async () => {
      const gates = (await this.read()).filter(
        (g) => !(g.kind === kind && g.namespace === namespace && g.name === name),
      );
      const state: GateState = {
        kind,
        namespace,
        name,
        open,
        updatedAt: new Date().toISOString(),
        ...(by !== undefined ? { by } : {}),
      };
      gates.push(state);
      gates.sort((a, b) =>
        `${a.kind}/${a.namespace}/${a.name}`.localeCompare(`${b.kind}/${b.namespace}/${b.name}`),
      );
      await this.write(gates);
      return state;
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  list(): Promise<GateState[]> {
    return this.read();
  }
}
