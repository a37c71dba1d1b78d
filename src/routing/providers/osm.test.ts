import { describeProviderContract } from '../../../test/support/routing-provider-contract.js';
import { providerCanary } from '../../../test/support/provider-fixture.js';
import { osmProvider } from './osm.js';

// The TrafficSplit's shape, refusals and schema are in smi.test.ts, for every SMI version at once.
describeProviderContract(osmProvider, () => providerCanary('osm'));
