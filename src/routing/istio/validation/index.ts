/**
 * Istio's own validation rules (the webhook's, on top of the CRD schema in src/api/istio.ts), in
 * one place: `serin lint` runs them; every other reader of Istio resources parses with the schema.
 */
export type { IstioIssue } from './issues.js';
export { validateVirtualService } from './virtual-service.js';
export { validateDestinationRule } from './destination-rule.js';
export { validateGateway } from './gateway.js';
