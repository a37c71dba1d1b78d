import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ApiException } from '@kubernetes/client-node';
import { afterAll } from 'vitest';

import { scalarText } from './json.js';

/** Polls until `check` returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  description: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const suffix = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out waiting for ${description}${suffix}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The HTTP status and metav1.Status body of a failed client-node call. */
export async function apiFailure(
  call: Promise<unknown>,
): Promise<{ code: number; reason: string; message: string }> {
  try {
    await call;
  } catch (error) {
    if (error instanceof ApiException) {
      const body = typeof error.body === 'string' ? (JSON.parse(error.body) as Record<string, unknown>) : {};
      return { code: error.code, reason: scalarText(body.reason), message: scalarText(body.message) };
    }
    throw error;
  }
  throw new Error('expected the call to fail');
}

export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

// kubectl caches discovery per host:port under ~/.kube/cache; a private cache keeps runs independent.
const kubectlCache = mkdtempSync(join(tmpdir(), 'serin-kubectl-cache-'));
afterAll(() => {
  rmSync(kubectlCache, { recursive: true, force: true });
});

/** The kubectl arguments that point it at a kubeconfig with a private discovery cache. */
export function kubectlArgs(kubeconfig: string, args: readonly string[]): string[] {
  return ['--kubeconfig', kubeconfig, '--cache-dir', kubectlCache, ...args];
}

/** Runs the real kubectl binary with an argument array (never through a shell). */
export function kubectl(kubeconfig: string, args: readonly string[], stdin = ''): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('kubectl', kubectlArgs(kubeconfig, args), {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, KUBECONFIG: '' },
      timeout: 60_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(stdin);
  });
}
