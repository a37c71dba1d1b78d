import { isObject, type JsonObject, type JsonValue } from './json.js';

export interface ServicePortCause {
  reason: 'FieldValueRequired' | 'FieldValueDuplicate' | 'FieldValueInvalid';
  field: string;
  message: string;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function portName(port: JsonObject, path: string, several: boolean, seen: Set<string>): ServicePortCause[] {
  const name = typeof port.name === 'string' ? port.name : '';
  if (name === '') {
    return several
      ? [{ reason: 'FieldValueRequired', field: `${path}.name`, message: 'Required value' }]
      : [];
  }
  if (!DNS1123_LABEL.test(name) || name.length > 63) {
    return [
      {
        reason: 'FieldValueInvalid',
        field: `${path}.name`,
        message: `Invalid value: "${name}": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character`,
      },
    ];
  }
  if (seen.has(name)) {
    return [{ reason: 'FieldValueDuplicate', field: `${path}.name`, message: `Duplicate value: "${name}"` }];
  }
  seen.add(name);
  return [];
}

/**
 * kube-apiserver's checks on a Service's `spec.ports` (ValidateService): with more than one port
 * every port needs a name, names are DNS-1123 labels and unique, and no two ports share a
 * (port, protocol) pair. Runs after defaulting, so `protocol` is set.
 */
export function servicePortCauses(service: JsonObject): ServicePortCause[] {
  const spec = isObject(service.spec) ? service.spec : {};
  const ports: JsonValue[] = Array.isArray(spec.ports) ? spec.ports : [];
  const causes: ServicePortCause[] = [];
  const names = new Set<string>();
  const pairs = new Set<string>();
  ports.forEach((port, index) => {
    if (!isObject(port)) return;
    const path = `spec.ports[${index}]`;
    causes.push(...portName(port, path, ports.length > 1, names));
    const pair = JSON.stringify({ protocol: port.protocol ?? 'TCP', port: port.port ?? 0 });
    if (pairs.has(pair)) {
      causes.push({
        reason: 'FieldValueDuplicate',
        field: path,
        message: `Duplicate value: ${pair}`,
      });
    }
    pairs.add(pair);
  });
  return causes;
}
