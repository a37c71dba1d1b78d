/**
 * Every `serin lint` check, with a stable code. Codes are never reused or renumbered: scripts and
 * `serin.dev/lint-ignore` annotations refer to them.
 */
export type Severity = 'error' | 'warning' | 'info';

export interface CheckInfo {
  title: string;
  hint: string;
}

export const CHECKS = {
  SRN1001: { title: 'unreadable document', hint: 'fix the YAML/JSON syntax at the line shown' },
  SRN1002: {
    title: 'invalid Serin/Flagger resource',
    hint: 'fix the field named in the message (see `serin validate`)',
  },
  SRN1003: {
    title: 'malformed Istio resource',
    hint: 'fix the field named in the message; see the Istio networking API reference',
  },
  SRN1004: {
    title: "refused (or warned about) by Istio's validation",
    hint: 'fix the field named in the message: Istio refuses the resource (an error) or warns about it (a warning); see the Istio networking API reference',
  },
  SRN1005: {
    title: 'malformed Gateway API resource',
    hint: 'fix the field named in the message; Serin reads the Gateway API standard channel (docs/routing.md)',
  },
  SRN1006: {
    title: 'refused by the route plan (serin run refuses it too)',
    hint: 'fix the field named in the message; docs/routing.md lists what Serin supports',
  },
  SRN1101: {
    title: 'subset not defined in the DestinationRule for that host',
    hint: 'add the subset (name and pod labels) to the DestinationRule, or fix the subset name in the route',
  },
  SRN1102: {
    title: 'subset used but no DestinationRule for that host in the set',
    hint: 'include the DestinationRule that defines the subset; without it Istio answers 503',
  },
  SRN1110: { title: 'negative weight', hint: 'weights are whole numbers from 0 up' },
  SRN1111: { title: 'weight is not a whole number', hint: 'Istio weights are integers; use e.g. 90 and 10' },
  SRN1112: {
    title: 'all weights are zero',
    hint: 'give at least one destination a weight above 0 (Istio rejects the route)',
  },
  SRN1113: {
    title: 'weights do not sum to 100',
    hint: 'Istio before 1.15 rejects such routes; write weights that sum to 100',
  },
  SRN1120: {
    title: 'rule can never match',
    hint: 'an earlier rule catches these requests; move this rule up or give the earlier rule match conditions',
  },
  SRN1121: {
    title: 'match block covered by an earlier one',
    hint: 'remove the duplicate or reorder the match blocks',
  },
  SRN1130: {
    title: 'regex is not valid RE2',
    hint: 'Istio uses RE2: no lookaround, no backreferences; the regex must match the whole value',
  },
  SRN1131: {
    title: 'string match sets several of exact, prefix and regex',
    hint: 'keep exactly one of exact, prefix or regex',
  },
  SRN1132: {
    title: 'header name is not lower case',
    hint: 'write header names in lower case (HTTP/2 and Envoy see them lower-cased)',
  },
  SRN1140: {
    title: 'destination port required',
    hint: 'the Service exposes several ports: set destination.port.number',
  },
  SRN1150: {
    title: 'gateway not in the set',
    hint: 'include the Gateway, or fix the name (namespace/name for another namespace)',
  },
  SRN1151: {
    title: 'host not served by the gateway',
    hint: "add the host to one of the Gateway's servers[].hosts, or fix the VirtualService host",
  },
  SRN1152: {
    title: 'in-mesh host routed only at the gateway',
    hint: 'add mesh to spec.gateways so that calls between services follow the same rules',
  },
  SRN1160: {
    title: 'several mesh VirtualServices claim the same host',
    hint: 'merge them into one VirtualService; with several, Istio uses one of them and ignores the rest',
  },
  SRN1170: {
    title: 'invalid mirror',
    hint: 'use mirror (one) or mirrors (several), and a mirrorPercentage between 0 and 100',
  },
  SRN1171: {
    title: 'fault without percentage',
    hint: 'set fault.delay.percentage.value / fault.abort.percentage.value; without it no request is faulted',
  },
  SRN1172: {
    title: 'rule has no action',
    hint: 'give the rule one of route, redirect, directResponse or delegate',
  },
  SRN1173: {
    title: 'conflicting actions',
    hint: 'redirect and directResponse cannot be combined with route, rewrite or fault',
  },
  SRN1180: {
    title: 'HTTPRoute backend not in the set',
    hint: 'include the Service (with that port), or fix backendRefs[].name/port; the Gateway API answers 500 for a missing backend',
  },
  SRN1181: {
    title: 'HTTPRoute rule forwards nothing',
    hint: 'give a backendRef a weight above 0 (the default is 1), or add a RequestRedirect filter',
  },
  SRN1182: {
    title: 'HTTPRoute attached to nothing',
    hint: 'add spec.parentRefs: a Gateway, or for mesh traffic the Service (group "", kind Service)',
  },
  SRN1183: {
    title: 'cross-namespace backend without a ReferenceGrant',
    hint: 'add a ReferenceGrant in the backend namespace (from HTTPRoute in this namespace, to Service), or include it in the set',
  },
  SRN1201: {
    title: 'subset selects no pods',
    hint: "make the subset labels match the pod template labels of the workload (e.g. version: v2), together with the Service's selector",
  },
  SRN1202: {
    title: 'DestinationRule host has no Service',
    hint: 'fix the host, or include the Service it refers to',
  },
  SRN1203: { title: 'duplicate subset name', hint: 'give every subset a different name' },
  SRN1301: {
    title: 'Service selects no workload',
    hint: 'make spec.selector match the pod template labels of a Deployment',
  },
  SRN1302: {
    title: 'Service port without protocol',
    hint: 'name the port <protocol>[-suffix] (http, http2, https, grpc, grpc-web, tcp, tls, mongo, mysql, redis, udp) or set appProtocol',
  },
  SRN1303: {
    title: 'subset pods are outside the Service',
    hint: 'the Service selector and the subset labels disagree: drop the version label from the Service selector',
  },
  SRN1501: {
    title: 'namespace without sidecar injection',
    hint: 'label the namespace istio-injection=enabled (or istio.io/rev=<revision>) and restart its pods',
  },
  SRN1502: {
    title: 'sidecar injection disabled on the pod template',
    hint: 'remove sidecar.istio.io/inject: "false" from the pod template so the pods join the mesh',
  },
  SRN1601: {
    title: 'canary target without readiness probe',
    hint: 'add a readinessProbe: Serin waits for ready pods before it shifts traffic',
  },
  SRN1602: {
    title: 'Canary target not in the set',
    hint: 'include the Deployment named in spec.targetRef, or fix the name',
  },
  SRN1603: {
    title: 'autoscaler not in the set',
    hint: 'include the HorizontalPodAutoscaler/ScaledObject named in spec.autoscalerRef, or fix the name',
  },
  SRN1604: {
    title: 'MetricTemplate not in the set',
    hint: 'include the MetricTemplate named in templateRef, or fix the name/namespace',
  },
  SRN1605: {
    title: 'AlertProvider not in the set',
    hint: 'include the AlertProvider named in providerRef, or fix the name/namespace',
  },
  SRN1606: {
    title: 'canary target without a usable selector label',
    hint: 'give spec.selector.matchLabels an app, name or app.kubernetes.io/name label',
  },
  SRN1607: {
    title: 'Canary would replace a hand-written VirtualService',
    hint: 'set spec.service.routing: merge to keep the other rules of this VirtualService, or delete it and let Serin own it',
  },
  SRN1701: {
    title: 'Serin does not run this (yet)',
    hint: 'use a provider, target kind or metric backend Serin supports (docs/api.md), or keep this Canary on Flagger for now',
  },
  SRN1702: {
    title: 'field ignored with this provider',
    hint: 'remove the field, or set spec.provider to the provider that reads it',
  },
} as const satisfies Record<string, CheckInfo>;

export type CheckCode = keyof typeof CHECKS;
