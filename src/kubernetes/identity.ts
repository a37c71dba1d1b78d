/**
 * Who the kubeconfig acts as, for the `by` of a control command: what the API server says
 * (`SelfSubjectReview`, authentication.k8s.io/v1, served since Kubernetes 1.28), else the name of
 * the current context's user in the kubeconfig — the name kubectl shows, if not always the one
 * the API server authenticates.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from './client.js';

const REVIEW_PATH = '/apis/authentication.k8s.io/v1/selfsubjectreviews';
/** The review is a courtesy: a server that does not answer quickly is not waited for. */
const REVIEW_TIMEOUT_MS = 5_000;

interface SelfSubjectReview {
  status?: { userInfo?: { username?: string } };
}

/** The current context's user name, as the kubeconfig spells it. */
export function contextUser(config: KubeConfig): string | undefined {
  const context = config.getContextObject(config.getCurrentContext());
  return context?.user ?? config.getCurrentUser()?.name;
}

export async function kubeIdentity(config: KubeConfig): Promise<string> {
  try {
    const review = await new KubeClient(config, REVIEW_TIMEOUT_MS).request<SelfSubjectReview>(
      'POST',
      REVIEW_PATH,
      { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } },
    );
    const username = review.status?.userInfo?.username;
    if (username !== undefined && username !== '') return username;
  } catch {
    // Older servers, or a role without the review: the kubeconfig's own name for the user.
  }
  return contextUser(config) ?? 'unknown';
}
