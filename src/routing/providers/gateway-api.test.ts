import { describeProviderContract } from '../../../test/support/routing-provider-contract.js';
import { CanaryDocument } from '../../api/canary.js';
import { gatewayApiProvider } from './gateway-api.js';

const raw = {
  apiVersion: 'flagger.app/v1beta1',
  kind: 'Canary',
  metadata: { name: 'podinfo', namespace: 'test', uid: '1f0c5a52-0000-4000-8000-000000000001' },
  spec: {
    provider: 'gatewayapi:v1',
    targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
    service: { port: 9898, gatewayRefs: [{ name: 'public', namespace: 'istio-ingress' }] },
    analysis: { interval: '1m', threshold: 5, maxWeight: 50, stepWeight: 10 },
  },
};

describeProviderContract(gatewayApiProvider, () => ({ canary: CanaryDocument.parse(raw), raw }));
