import { describeProviderContract } from '../../../test/support/routing-provider-contract.js';
import { providerCanary } from '../../../test/support/provider-fixture.js';
import { smiV1alpha1Provider } from './smi-v1alpha1.js';

// The TrafficSplit's shape, refusals and schema are in smi.test.ts, for every SMI version at once.
describeProviderContract(smiV1alpha1Provider, () => providerCanary('smi:v1alpha1'));
